import type { Redis } from 'ioredis';
import { decodeMark } from '../../shared/adapters/redis/mark-hash.js';
import { databaseLoginUser, REDIS_KEYS } from '../../shared/names.js';
import { FakeCoinGecko } from '../../test/fakes/coingecko/server.js';
import { LOCAL_COINS } from './local-seed.js';

/**
 * The scheduled producers of a stage, run in-process the way EventBridge runs them there:
 * the universe job (daily in a stage: once at start here, the fake market never changes), the
 * reference-prices job (every minute in a stage, REFERENCE_INTERVAL_MS here) against a fake
 * CoinGecko whose prices follow the local marks, and partition maintenance (daily). Each is
 * the unit's own composition root with its own config parsed from local mode's environment.
 * Never used in a deployed stage.
 */
export interface LocalProducers {
  readonly coinGeckoUrl: string;
  /** Runs the reference-prices job once now (also on its timer). */
  refreshReferences(): Promise<void>;
  stop(): Promise<void>;
}

const DAY_MS = 86_400_000;

/** Starts the fake CoinGecko and runs partition maintenance once; the market jobs wait for {@link startMarketJobs}. */
export async function startLocalCoinGecko(redis: Redis): Promise<FakeCoinGecko> {
  const coinGecko = new FakeCoinGecko();
  coinGecko.coins = LOCAL_COINS.map((c) => ({ id: c.coinId, symbol: c.coinSymbol, usd: 0, marketCap: c.marketCap }));
  // CoinGecko aggregates many venues: locally it quotes each coin at the local Kraken mid, so
  // the deviation checks compare like with like. A coin with no live mark yet keeps its last price.
  coinGecko.quote = async (coinId) => {
    const coin = LOCAL_COINS.find((c) => c.coinId === coinId);
    if (!coin) return undefined;
    const mark = decodeMark(await redis.hgetall(REDIS_KEYS.mark(coin.symbol)));
    return mark?.live ? Number(mark.mid.toString()) : undefined;
  };
  await coinGecko.start();
  return coinGecko;
}

/** Partition maintenance now and once a day, like its EventBridge schedule. */
export async function startPartitionMaintenance(env: NodeJS.ProcessEnv): Promise<() => Promise<void>> {
  const { loadPartitionMaintenanceConfig } = await import('../../functions/partition-maintenance/config.js');
  const { createPartitionMaintenanceApp } = await import('../../functions/partition-maintenance/app.js');
  const app = createPartitionMaintenanceApp(
    loadPartitionMaintenanceConfig({ ...env, DATABASE_USER: databaseLoginUser('partitionMaintenance') }),
  );
  await app.run();
  const timer = setInterval(
    () => void app.run().catch((error: unknown) => console.error(`partition maintenance failed: ${String(error)}`)),
    DAY_MS,
  );
  timer.unref();
  return async () => {
    clearInterval(timer);
    await app.close();
  };
}

/**
 * The universe job once (it reads the instruments table the ingester wrote, so the feed runs
 * first), then the reference-prices job now and every `referenceIntervalMs`.
 */
export async function startMarketJobs(options: {
  readonly env: NodeJS.ProcessEnv;
  readonly coinGeckoUrl: string;
  readonly referenceIntervalMs: number;
}): Promise<Omit<LocalProducers, 'coinGeckoUrl'>> {
  const { loadUniverseConfig } = await import('../../functions/universe/config.js');
  const { createUniverseApp } = await import('../../functions/universe/app.js');
  const { loadReferencePricesConfig } = await import('../../functions/reference-prices/config.js');
  const { createReferencePricesApp } = await import('../../functions/reference-prices/app.js');
  const env = { ...options.env, COINGECKO_BASE_URL: options.coinGeckoUrl };

  const universe = await createUniverseApp(
    loadUniverseConfig({ ...env, DATABASE_USER: databaseLoginUser('universe') }),
  );
  try {
    const published = await universe.refresh();
    const missing = LOCAL_COINS.filter((c) => !published.symbols.includes(c.symbol)).map((c) => c.symbol);
    if (missing.length > 0) throw new Error(`the universe job left out ${missing.join(', ')}`);
  } finally {
    await universe.close();
  }

  const references = await createReferencePricesApp(
    loadReferencePricesConfig({
      ...env,
      DATABASE_USER: databaseLoginUser('referencePrices'),
      REFERENCE_COINS: LOCAL_COINS.map((c) => `${c.symbol}=${c.coinId}`).join(','),
    }),
  );
  const refresh = async () => {
    const summary = await references.refresh();
    if (summary.outcome !== 'refreshed') console.error(`reference prices: ${summary.outcome}`);
  };
  await refresh();
  const timer = setInterval(
    () => void refresh().catch((error: unknown) => console.error(`reference prices failed: ${String(error)}`)),
    options.referenceIntervalMs,
  );
  return {
    refreshReferences: refresh,
    async stop() {
      clearInterval(timer);
      await references.close();
    },
  };
}
