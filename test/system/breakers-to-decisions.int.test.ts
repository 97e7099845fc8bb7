import type { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMarketEvaluatorApp, type MarketEvaluatorApp } from '../../functions/market-evaluator/app.js';
import { marketEvaluatorConfigSchema } from '../../functions/market-evaluator/config.js';
import { createMarketEventsHandler } from '../../functions/market-evaluator/process-batch.js';
import { createRiskApi, type RiskApi } from '../../functions/risk-api/app.js';
import { riskApiConfigSchema } from '../../functions/risk-api/config.js';
import { createRouter } from '../../functions/risk-api/router.js';
import { createKinesisClient } from '../../shared/adapters/aws-clients.js';
import { createSqsClient } from '../../shared/adapters/poison-sink.js';
import { createRedisClient } from '../../shared/adapters/redis/client.js';
import type { TopOfBookEvent } from '../../shared/domain/market/events.js';
import { topOfBookFixture } from '../../shared/domain/market/fixtures.js';
import { orderBody } from '../../shared/domain/risk/fixtures.js';
import { REDIS_KEYS, TABLES } from '../../shared/names.js';
import { databaseUrl, local, localStoreEnv } from '../local-env.js';
import { proxyEvent, writeMark } from '../risk-fixtures.js';
import { seedPostgres, seedRedis } from '../support/seed.js';
import { establishStateEpoch } from '../support/state-epoch.js';
import { TestQueue, TestStream } from '../support/test-stream.js';

/**
 * Breakers to decisions, across two units: the market evaluator's Lambda handler fed real
 * Kinesis records (kinesis-local, read back as Lambda's poller would) writes the BTC breaker
 * to Redis, and the risk API's router, on the same Redis and PostgreSQL, rejects and then
 * accepts BTC orders as the breaker trips and clears.
 */
const kinesis = createKinesisClient();
const sqs = createSqsClient();
const dlq = new TestQueue(sqs);
let redis: Redis;
let pool: pg.Pool;
let evaluator: MarketEvaluatorApp;
let risk: RiskApi;
let stream: TestStream;
const T0 = Date.now() - 600_000;

const book = (symbol: string, mid: string, atMs: number): TopOfBookEvent => topOfBookFixture(symbol, mid, atMs);

/** Puts the events on the stream, polls them back and hands the batch to the evaluator's handler. */
async function deliver(events: TopOfBookEvent[]): Promise<void> {
  await stream.put(events.map((e) => ({ key: e.symbol, data: e })));
  const event = await stream.poll();
  expect(event.Records.length).toBe(events.length);
  expect((await createMarketEventsHandler(evaluator.evaluator)(event)).batchItemFailures).toEqual([]);
}

/** A BTC order through the risk API's router, against a fresh mark. */
async function validate(): Promise<{ decision: string; reasons: { code: string }[] }> {
  await writeMark(redis, 'BTC/USD', '64999.5', '65000.5', Date.now() - 10, { mid: '65000' });
  const route = createRouter(risk.ports, 'local');
  const result = await route(proxyEvent('POST', '/v1/risk/validate', orderBody()));
  return JSON.parse(result.body) as { decision: string; reasons: { code: string }[] };
}

const breaker = (symbol: string) => redis.hgetall(REDIS_KEYS.breaker(symbol));

beforeAll(async () => {
  redis = createRedisClient({ host: local.redisHost, port: local.redisPort, db: local.testRedisDb, tls: false });
  await redis.connect();
  pool = new pg.Pool({ connectionString: databaseUrl() });
  await seedPostgres(pool);
  await pool.query(
    `INSERT INTO ${TABLES.breakerConfig} (symbol, version, config, created_by, reason)
     VALUES ('BTC/USD', 2, '{"vol_trip_bps": 100, "vol_clear_bps": 40}', 'test', 'tight BTC breaker')
     ON CONFLICT DO NOTHING`,
  );
  await dlq.create();
  evaluator = await createMarketEvaluatorApp(
    marketEvaluatorConfigSchema.parse({ ...localStoreEnv(), DLQ_URL: dlq.url }),
  );
  risk = await createRiskApi(riskApiConfigSchema.parse({ ...localStoreEnv() }));
});

afterAll(async () => {
  await risk.close();
  await evaluator.close();
  redis.disconnect();
  await pool.end();
  await dlq.delete();
  kinesis.destroy();
  sqs.destroy();
});

beforeEach(async () => {
  await redis.flushdb();
  await seedRedis(redis);
  await establishStateEpoch(redis, pool);
  stream = new TestStream(kinesis);
  await stream.create();
  return () => stream.delete();
});

describe('System: market breakers to risk decisions', () => {
  it('trips the BTC breaker on a volatility spike, the risk API rejects BTC, and it clears only below the clear threshold', async () => {
    // Prepare
    expect((await validate()).decision).toBe('accept');

    // Act: a ~125 bps realised-vol spike over the 60 s window
    await deliver([
      book('BTC/USD', '65000', T0),
      book('BTC/USD', '65010', T0 + 1_000),
      book('BTC/USD', '65800', T0 + 2_000),
    ]);

    // Assess
    const tripped = await breaker('BTC/USD');
    expect(tripped).toMatchObject({ state: 'tripped', since_ms: String(T0 + 2_000) });
    expect(tripped.reason).toMatch(/^volatility: realised vol 12\d\.\d bps over 60s >= 100 bps$/);
    const rejected = await validate();
    expect(rejected.decision).toBe('reject');
    expect(rejected.reasons.map((r) => r.code)).toContain('SYMBOL_BREAKER_TRIPPED');
    const { rows } = await pool.query(
      `SELECT cause, tripped, config_version FROM ${TABLES.breakerEvents} WHERE symbol = 'BTC/USD' ORDER BY id DESC LIMIT 1`,
    );
    expect(rows[0]).toEqual({ cause: 'volatility', tripped: true, config_version: 2 });

    // Act: ~60 bps of vol: under the trip level, above the clear level
    await deliver([book('BTC/USD', '65405', T0 + 62_500)]);

    // Assess: still tripped
    expect((await breaker('BTC/USD')).state).toBe('tripped');
    expect((await validate()).reasons.map((r) => r.code)).toContain('SYMBOL_BREAKER_TRIPPED');

    // Act: the spike leaves the window
    await deliver([book('BTC/USD', '65406', T0 + 123_000)]);

    // Assess
    expect(await breaker('BTC/USD')).toMatchObject({ state: 'clear', since_ms: String(T0 + 123_000), reason: '' });
    expect((await validate()).decision).toBe('accept');
  });
});
