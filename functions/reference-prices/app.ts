import { connectStores } from '../../shared/adapters/batch-stores.js';
import { PostgresBreakerConfigSource } from '../../shared/adapters/breakers/breaker-config-source.js';
import { PostgresBreakerAudit, RedisBreakerStore } from '../../shared/adapters/breakers/breaker-store.js';
import { createCoinGeckoClient } from '../../shared/adapters/coingecko-client.js';
import { PostgresStateGenerations } from '../../shared/adapters/postgres/state-generation.js';
import { StateEpochStore } from '../../shared/adapters/state-epoch.js';
import { stateEpochOptions } from '../../shared/config/state-epoch.js';
import { CoinGeckoQuoteSource } from './adapters/coingecko-quote-source.js';
import { RedisReferencePriceStore } from './adapters/redis-reference-price-store.js';
import type { ReferencePricesConfig } from './config.js';
import { type RefreshSummary, refreshReferencePrices } from './reference-prices.js';

export interface ReferencePricesApp {
  refresh(): Promise<RefreshSummary>;
  close(): Promise<void>;
}

/** Composition root of the reference-prices job: the use case wired to CoinGecko, Redis and PostgreSQL. */
export async function createReferencePricesApp(
  config: ReferencePricesConfig,
  options: { sleep?: (ms: number) => Promise<void> } = {},
): Promise<ReferencePricesApp> {
  const stores = await connectStores(config);
  const deps = {
    quotes: new CoinGeckoQuoteSource(createCoinGeckoClient(config, stores.secrets, { sleep: options.sleep })),
    store: new RedisReferencePriceStore(stores.redis),
    breakers: new RedisBreakerStore(stores.redis, {
      ...stateEpochOptions(config),
      epoch: new StateEpochStore(stores.redis, new PostgresStateGenerations(stores.pool), stateEpochOptions(config)),
    }),
    audit: new PostgresBreakerAudit(stores.pool),
    configs: new PostgresBreakerConfigSource(stores.pool, { ttlMs: 30_000, maxStaleMs: 600_000 }),
    coins: config.REFERENCE_COINS,
    maxQuoteAgeMs: config.REFERENCE_MAX_QUOTE_AGE_MS,
    maxMarkAgeMs: config.REFERENCE_MAX_MARK_AGE_MS,
  };
  return { refresh: () => refreshReferencePrices(deps), close: () => stores.close() };
}
