import type { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CoinGeckoClient, CoinGeckoResponseError } from '../../shared/adapters/coingecko-client.js';
import { createRedisClient } from '../../shared/adapters/redis/client.js';
import { REDIS_KEYS, TABLES } from '../../shared/names.js';
import { FakeCoinGecko } from '../../test/fakes/coingecko/server.js';
import { databaseUrl, local } from '../../test/local-env.js';
import { seedPostgres } from '../../test/support/seed.js';
import { PostgresUniverseStore } from './adapters/postgres-universe.js';
import { RedisPublishedUniverse } from './adapters/redis-universe.js';
import { EmptyUniverseError, refreshUniverse, type UniverseDeps } from './universe.js';

/** The daily universe job: fake CoinGecko top coins ∩ the seeded Kraken USD pairs in PostgreSQL. */
const fake = new FakeCoinGecko();
let redis: Redis;
let pool: pg.Pool;
let deps: UniverseDeps;

beforeAll(async () => {
  await fake.start();
  redis = createRedisClient({ host: local.redisHost, port: local.redisPort, db: local.testRedisDb, tls: false });
  await redis.connect();
  pool = new pg.Pool({ connectionString: databaseUrl() });
  await seedPostgres(pool);
  const postgres = new PostgresUniverseStore(pool);
  deps = {
    coins: new CoinGeckoClient({ baseUrl: fake.baseUrl, apiKey: async () => 'k' }),
    catalog: postgres,
    versions: postgres,
    published: new RedisPublishedUniverse(redis),
    topN: 100,
  };
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

describe('Function: refreshUniverse', () => {
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
    const { rows } = await pool.query(`SELECT symbols FROM ${TABLES.universeVersions} WHERE version = $1`, [
      first.version,
    ]);
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
