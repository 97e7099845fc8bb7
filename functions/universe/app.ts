import { connectStores } from '../../shared/adapters/batch-stores.js';
import { createCoinGeckoClient } from '../../shared/adapters/coingecko-client.js';
import { PostgresUniverseStore } from './adapters/postgres-universe.js';
import { RedisPublishedUniverse } from './adapters/redis-universe.js';
import type { UniverseConfig } from './config.js';
import { refreshUniverse } from './universe.js';

export interface UniverseApp {
  refresh(): Promise<{ version: number; symbols: string[] }>;
  close(): Promise<void>;
}

/** Composition root of the universe job: the use case wired to CoinGecko, PostgreSQL and Redis. */
export async function createUniverseApp(config: UniverseConfig): Promise<UniverseApp> {
  const stores = await connectStores(config);
  const postgres = new PostgresUniverseStore(stores.pool);
  const deps = {
    coins: createCoinGeckoClient(config, stores.secrets),
    catalog: postgres,
    versions: postgres,
    published: new RedisPublishedUniverse(stores.redis),
    topN: config.UNIVERSE_TOP_N,
  };
  return { refresh: () => refreshUniverse(deps), close: () => stores.close() };
}
