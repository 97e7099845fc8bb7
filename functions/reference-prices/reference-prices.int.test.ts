import { randomUUID } from 'node:crypto';
import { CreateSecretCommand, DeleteSecretCommand } from '@aws-sdk/client-secrets-manager';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSecretsManagerClient } from '../../shared/adapters/aws-clients.js';
import { CoinGeckoResponseError } from '../../shared/adapters/coingecko-client.js';
import { createRedisClient } from '../../shared/adapters/redis/client.js';
import { REDIS_KEYS, TABLES } from '../../shared/names.js';
import { FakeCoinGecko } from '../../test/fakes/coingecko/server.js';
import { databaseUrl, local, localStoreEnv } from '../../test/local-env.js';
import { writeMark } from '../../test/risk-fixtures.js';
import { createReferencePricesApp } from './app.js';
import { referencePricesConfigSchema } from './config.js';

/**
 * The reference-prices job against the fake CoinGecko server, with its demo key in Secrets
 * Manager (AWS emulator), writing to real Redis and PostgreSQL.
 */
const fake = new FakeCoinGecko();
const secrets = createSecretsManagerClient();
const secretName = `it-coingecko-${randomUUID().slice(0, 8)}`;
const waits: number[] = [];
let redis: Redis;
let pool: pg.Pool;
let app: Awaited<ReturnType<typeof createReferencePricesApp>>;

beforeAll(async () => {
  await fake.start();
  await secrets.send(new CreateSecretCommand({ Name: secretName, SecretString: 'CG-demo-key-123' }));
  redis = createRedisClient({ host: local.redisHost, port: local.redisPort, db: local.testRedisDb, tls: false });
  await redis.connect();
  pool = new pg.Pool({ connectionString: databaseUrl() });
  await pool.query(
    `INSERT INTO ${TABLES.breakerConfig} (symbol, version, config, created_by, reason)
     VALUES ('ETH/USD', 2, '{"deviation_trip_bps": "100", "deviation_clear_bps": "50"}', 'test', 'tight ETH deviation')
     ON CONFLICT DO NOTHING`,
  );
  app = await createReferencePricesApp(
    referencePricesConfigSchema.parse({
      ...localStoreEnv('referencePrices'),
      COINGECKO_BASE_URL: fake.baseUrl,
      COINGECKO_API_KEY_SECRET_ID: secretName,
      REFERENCE_COINS: 'BTC/USD=bitcoin,ETH/USD=ethereum,USDC/USD=usd-coin',
    }),
    { sleep: async (ms) => void waits.push(ms) },
  );
});

afterAll(async () => {
  await app.close();
  redis.disconnect();
  await pool.end();
  await secrets.send(new DeleteSecretCommand({ SecretId: secretName, ForceDeleteWithoutRecovery: true }));
  secrets.destroy();
  await fake.stop();
});

beforeEach(async () => {
  await redis.flushdb();
  fake.mode = 'ok';
  fake.rateLimitOnce = false;
  fake.requests.length = 0;
  waits.length = 0;
});

describe('Function: refreshReferencePrices against the fake CoinGecko', () => {
  it('writes fresh reference marks, sending the demo key from Secrets Manager', async () => {
    const summary = await app.refresh();
    expect(summary).toMatchObject({ outcome: 'refreshed', stale: [] });
    expect([...summary.written].sort()).toEqual(['BTC/USD', 'ETH/USD', 'USDC/USD']);
    const btc = await redis.hgetall(REDIS_KEYS.referencePrice('BTC/USD'));
    expect(btc.price).toBe('65000.5');
    expect(Date.now() - Number(btc.updated_at_ms)).toBeGreaterThanOrEqual(19_000);
    expect(Date.now() - Number(btc.updated_at_ms)).toBeLessThan(25_000);
    expect(fake.requests[0]).toMatchObject({ path: '/api/v3/simple/price', apiKey: 'CG-demo-key-123' });
    expect(fake.requests[0]?.query.get('include_last_updated_at')).toBe('true');
  });

  it('waits out a short Retry-After and retries once', async () => {
    fake.rateLimitOnce = true;
    fake.retryAfterSeconds = 2;
    const summary = await app.refresh();
    expect(summary.outcome).toBe('refreshed');
    expect(fake.requests).toHaveLength(2);
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(1_900);
    expect(waits[0]).toBeLessThanOrEqual(2_000);
  });

  it('honours a long Retry-After across runs: no call to CoinGecko before it', async () => {
    fake.mode = 'rate-limited';
    fake.retryAfterSeconds = 120;
    const first = await app.refresh();
    expect(first.outcome).toBe('rate-limited');
    expect(Number(await redis.get(REDIS_KEYS.coingeckoRetryAfter))).toBeGreaterThan(Date.now() + 110_000);
    fake.mode = 'ok';
    const second = await app.refresh();
    expect(second.outcome).toBe('backing-off');
    expect(fake.requests).toHaveLength(1);
    expect(await redis.exists(REDIS_KEYS.referencePrice('BTC/USD'))).toBe(0);
  });

  it('ignores stale quotes', async () => {
    fake.mode = 'stale';
    const summary = await app.refresh();
    expect([...summary.stale].sort()).toEqual(['BTC/USD', 'ETH/USD', 'USDC/USD']);
    expect(summary.written).toEqual([]);
    expect(await redis.exists(REDIS_KEYS.referencePrice('BTC/USD'))).toBe(0);
  });

  it('fails the run on a malformed answer and writes nothing', async () => {
    fake.mode = 'malformed';
    await expect(app.refresh()).rejects.toBeInstanceOf(CoinGeckoResponseError);
    expect(await redis.keys('ref:*')).toEqual([]);
  });

  it('trips the deviation breaker when Kraken strays from the reference and clears once back within the clear level', async () => {
    await writeMark(redis, 'ETH/USD', '3039.99', '3040.01', Date.now() - 100, { mid: '3040' });
    await writeMark(redis, 'BTC/USD', '65000', '65001', Date.now() - 100, { mid: '65000.5' });
    const trip = await app.refresh();
    expect(trip.transitions).toMatchObject([{ symbol: 'ETH/USD', cause: 'deviation', tripped: true }]);
    const breaker = await redis.hgetall(REDIS_KEYS.breaker('ETH/USD'));
    expect(breaker).toMatchObject({ state: 'tripped', 'cause:deviation': '1' });
    expect(breaker.reason).toMatch(/^deviation: Kraken mid 3040 is 132\.5 bps from reference 3000\.25/);
    expect(await redis.exists(REDIS_KEYS.breaker('BTC/USD'))).toBe(0);
    const { rows } = await pool.query(
      `SELECT tripped, measured FROM ${TABLES.breakerEvents} WHERE symbol = 'ETH/USD' AND cause = 'deviation' ORDER BY id DESC LIMIT 1`,
    );
    expect(rows[0].tripped).toBe(true);

    await writeMark(redis, 'ETH/USD', '3019.99', '3020.01', Date.now() - 100, { mid: '3020' });
    expect((await app.refresh()).transitions).toEqual([]);
    await writeMark(redis, 'ETH/USD', '3009.99', '3010.01', Date.now() - 100, { mid: '3010' });
    expect((await app.refresh()).transitions).toMatchObject([{ symbol: 'ETH/USD', tripped: false }]);
    expect((await redis.hgetall(REDIS_KEYS.breaker('ETH/USD'))).state).toBe('clear');
  });
});
