import { connectStores } from '../../shared/adapters/batch-stores.js';
import { PostgresStateGenerations } from '../../shared/adapters/postgres/state-generation.js';
import { StateEpochStore } from '../../shared/adapters/state-epoch.js';
import { stateEpochOptions } from '../../shared/config/state-epoch.js';
import { AuroraDurableState } from './adapters/aurora-durable-state.js';
import { RedisHotState } from './adapters/redis-hot-state.js';
import type { StateRebuildConfig } from './config.js';
import { type RebuildOutcome, rebuildState } from './rebuild-state.js';

export interface StateRebuildApp {
  /** One rebuild check: restores the cache when its epoch is missing or behind (or `force`). */
  run(options?: { force?: boolean }): Promise<RebuildOutcome>;
  close(): Promise<void>;
}

/** Composition root of the state rebuild: the use case between Aurora and the cache. */
export async function createStateRebuildApp(config: StateRebuildConfig): Promise<StateRebuildApp> {
  const stores = await connectStores(config);
  const epoch = new StateEpochStore(stores.redis, new PostgresStateGenerations(stores.pool), stateEpochOptions(config));
  const deps = {
    durable: new AuroraDurableState(stores.pool),
    hot: new RedisHotState(stores.redis, epoch),
    now: Date.now,
    attempts: config.STATE_REBUILD_ATTEMPTS,
  };
  return { run: (options) => rebuildState(deps, options), close: () => stores.close() };
}
