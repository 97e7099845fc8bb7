import { connectStores } from '../../shared/adapters/batch-stores.js';
import { PostgresBreakerConfigSource } from '../../shared/adapters/breakers/breaker-config-source.js';
import { PostgresBreakerAudit, RedisBreakerStore } from '../../shared/adapters/breakers/breaker-store.js';
import { CoinGeckoClient } from '../../shared/adapters/coingecko-client.js';
import type { ReferencePricesConfig } from './config.js';
import { refreshReferencePrices } from './reference-prices.js';

/** Composition root of the reference-prices job. */
export async function createReferencePricesApp(
  config: ReferencePricesConfig,
  options: { sleep?: (ms: number) => Promise<void> } = {},
) {
  const stores = await connectStores(config);
  const secretId = config.COINGECKO_API_KEY_SECRET_ID;
  const client = new CoinGeckoClient({
    baseUrl: config.COINGECKO_BASE_URL,
    apiKey: async () => (secretId ? stores.secrets.getString(secretId) : undefined),
    sleep: options.sleep,
  });
  const deps = {
    client,
    redis: stores.redis,
    breakers: new RedisBreakerStore(stores.redis),
    audit: new PostgresBreakerAudit(stores.pool),
    configs: new PostgresBreakerConfigSource(stores.pool, { ttlMs: 30_000, maxStaleMs: 600_000 }),
    coins: config.REFERENCE_COINS,
    maxQuoteAgeMs: config.REFERENCE_MAX_QUOTE_AGE_MS,
    maxMarkAgeMs: config.REFERENCE_MAX_MARK_AGE_MS,
  };
  return { client, stores, refresh: () => refreshReferencePrices(deps), close: () => stores.close() };
}
