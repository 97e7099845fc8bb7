import * as z from 'zod';
import { refineStoreConfig, storeConfigShape } from '../../shared/adapters/batch-stores.js';
import { baseConfigShape, parseConfig, positiveInt } from '../../shared/config/env.js';
import { checkStateEpochConfig, stateEpochConfigShape } from '../../shared/config/state-epoch.js';

/**
 * Configuration of the state rebuild (Lambda on a 1-minute schedule, and `npm run
 * rebuild-state`), parsed once at start: the stores it restores between, and the state
 * epoch settings it shares with every control writer.
 */
export const stateRebuildConfigSchema = z
  .object({
    ...baseConfigShape,
    ...storeConfigShape,
    ...stateEpochConfigShape,
    /**
     * Rebuild attempts when a control change lands while the cache is being restored (the
     * epoch is written only when the durable generation did not move during the restore).
     */
    STATE_REBUILD_ATTEMPTS: positiveInt.max(10).default(3),
  })
  .superRefine((config, ctx) => {
    refineStoreConfig(config, ctx);
    checkStateEpochConfig(config, ctx);
  });

export type StateRebuildConfig = z.output<typeof stateRebuildConfigSchema>;

export function loadStateRebuildConfig(env: NodeJS.ProcessEnv = process.env): StateRebuildConfig {
  return parseConfig(stateRebuildConfigSchema, env);
}
