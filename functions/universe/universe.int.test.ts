import type { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CoinGeckoClient, CoinGeckoResponseError } from '../../shared/adapters/coingecko-client.js';
import { createRedisClient } from '../../shared/adapters/redis/client.js';
import { REDIS_KEYS } from '../../shared/names.js';
import { FakeCoinGecko } from '../../test/fakes/coingecko/server.js';
import { databaseUrl, local } from '../../test/local-env.js';
import { seedPostgres } from '../../test/support/seed.js';
import { EmptyUniverseError, refreshUniverse } from './universe.js';

/** The daily universe job: fake CoinGecko top coins ∩ the seeded Kraken USD pairs in PostgreSQL. */
const fake = new FakeCoinGecko();
let redis: Redis;
let pool: pg.Pool;
let deps: Parameters<typeof refreshUniverse>[0];

beforeAll(async () => {
  await fake.start();
  redis = createRedisClient({ host: local.redisHost, port: local.redisPort, db: local.testRedisDb, tls: false });
  await redis.connect();
  pool = new pg.Pool({ connectionString: databaseUrl() });
  await seedPostgres(pool);
  deps = { client: new CoinGeckoClient({ baseUrl: fake.baseUrl, apiKey: async () => 'k' }), pool, redis, topN: 100 };
});

afterAll(async () => {
  redis.disconnect();
  await pool.end();
  await fake.stop();
});

beforeEach(async () => {
  await redis.flushdb();
  fake.mode = 'ok';
});

describe('universe job', () => {
  it('publishes CoinGecko top coins that are Kraken USD pairs, versioned in Postgres and swapped into Redis', async () => {
    await redis.sadd(REDIS_KEYS.universe, 'OLD/USD');
    const first = await refreshUniverse(deps);
    const all = ['BTC/USD', 'ETH/USD', 'SOL/USD', 'USDC/USD', 'USDT/USD'];
    expect(first.symbols).toEqual(all);
    expect((await redis.smembers(REDIS_KEYS.universe)).sort()).toEqual(all);
    expect(fake.requests.at(-1)?.query.get('order')).toBe('market_cap_desc');

    const saved = fake.coins;
    fake.coins = fake.coins.filter((c) => c.id !== 'solana');
    try {
      const second = await refreshUniverse({ ...deps, topN: 3 });
      expect(second.version).toBeGreaterThan(first.version);
      // Top 3 by market cap without SOL: bitcoin, ethereum, tether.
      expect((await redis.smembers(REDIS_KEYS.universe)).sort()).toEqual(['BTC/USD', 'ETH/USD', 'USDT/USD']);
    } finally {
      fake.coins = saved;
    }
    const { rows } = await pool.query('SELECT symbols FROM universe_versions WHERE version = $1', [first.version]);
    expect(rows[0].symbols).toEqual(all);
  });

  it('refuses to publish an empty universe and keeps the current one', async () => {
    await redis.sadd(REDIS_KEYS.universe, 'BTC/USD');
    const saved = fake.coins;
    fake.coins = [{ id: 'nothing', symbol: 'zzz', usd: 1, marketCap: 1 }];
    try {
      await expect(refreshUniverse(deps)).rejects.toBeInstanceOf(EmptyUniverseError);
    } finally {
      fake.coins = saved;
    }
    expect(await redis.smembers(REDIS_KEYS.universe)).toEqual(['BTC/USD']);
  });

  it('fails on a malformed answer without touching the universe', async () => {
    await redis.sadd(REDIS_KEYS.universe, 'BTC/USD');
    fake.mode = 'malformed';
    await expect(refreshUniverse(deps)).rejects.toBeInstanceOf(CoinGeckoResponseError);
    expect(await redis.smembers(REDIS_KEYS.universe)).toEqual(['BTC/USD']);
  });
});
