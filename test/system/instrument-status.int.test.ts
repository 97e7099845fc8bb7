import { randomUUID } from 'node:crypto';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningIngester, startIngester } from '../../functions/market-ingester/ingester.js';
import { createRiskApi, type RiskApi } from '../../functions/risk-api/app.js';
import { riskApiConfigSchema } from '../../functions/risk-api/config.js';
import { createRouter } from '../../functions/risk-api/router.js';
import { createKinesisClient } from '../../shared/adapters/aws-clients.js';
import { createRedisClient, redisConfigFromUrl } from '../../shared/adapters/redis/client.js';
import { decodeInstrument } from '../../shared/adapters/redis/instruments-hash.js';
import { decodeMark } from '../../shared/adapters/redis/mark-hash.js';
import { orderBody } from '../../shared/domain/risk/fixtures.js';
import { REDIS_KEYS, TABLES } from '../../shared/names.js';
import { type FakeKrakenServer, startFakeKrakenServer } from '../fakes/kraken-ws/server.js';
import { createStream, deleteStream } from '../kinesis-local.js';
import { databaseUrl, localStoreEnv, redisUrl } from '../local-env.js';
import { proxyEvent } from '../risk-fixtures.js';
import { seedPostgres, seedRedis } from '../support/seed.js';
import { establishStateEpoch } from '../support/state-epoch.js';

/**
 * Issue #18, done when "a pair's status change on the fake Kraken changes the next decision":
 * the fake Kraken v2 server pushes an `instrument` update, the real ingester (in-process)
 * writes it to the instruments hash, and the real risk API's router, on the same Redis and
 * PostgreSQL, decides the next BTC/USD order on the new status. Marks come from the same
 * ingester, so nothing in the decision path is written by hand except the seed.
 */
const SYMBOL = 'BTC/USD';
const streamName = `it-instrument-status-${randomUUID().slice(0, 8)}`;

let kinesis: KinesisClient;
let redis: Redis;
let pool: pg.Pool;
let fake: FakeKrakenServer;
let ingester: RunningIngester;
let risk: RiskApi;

interface Decision {
  decision: string;
  reasons: { code: string }[];
}

/** Polls an async read until `accept` holds; fails naming `what` after 10 s. */
async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const hashStatus = async () => decodeInstrument(SYMBOL, await redis.hget(REDIS_KEYS.instruments, SYMBOL))?.status;

/**
 * The ingester's live BTC/USD bid: a limit price on Kraken's 0.1 grid that sits inside the
 * fat-finger band wherever the fake's random walk has gone.
 */
async function liveBid(): Promise<string> {
  const mark = await eventually(
    async () => decodeMark(await redis.hgetall(REDIS_KEYS.mark(SYMBOL))),
    (m) => m?.live === true,
    'a live BTC/USD mark from the ingester',
  );
  return mark?.bid.toString() ?? '';
}

/** A small company BTC/USD buy through the risk API's router. */
async function decide(overrides: Record<string, unknown> = {}): Promise<Decision> {
  const route = createRouter(risk.ports, 'local');
  const body = orderBody({ symbol: SYMBOL, quantity: '0.01', limit_price: await liveBid(), ...overrides });
  const result = await route(proxyEvent('POST', '/v1/risk/validate', body));
  expect(result.statusCode).toBe(200);
  return JSON.parse(result.body) as Decision;
}

const codes = (d: Decision) => d.reasons.map((r) => r.code);

/** Changes the pair's status on the fake and waits (bounded) until the ingester has written it. */
async function krakenSets(status: string): Promise<void> {
  fake.setPairStatus(SYMBOL, status);
  await eventually(hashStatus, (s) => s === status, `${SYMBOL} ${status} in the instruments hash`);
}

beforeAll(async () => {
  kinesis = createKinesisClient();
  await createStream(kinesis, streamName, 1);
  redis = createRedisClient({ ...redisConfigFromUrl(redisUrl()), commandTimeoutMs: 2_000 });
  await redis.connect();
  pool = new pg.Pool({ connectionString: databaseUrl(), max: 2 });
  await redis.flushdb();
  await seedPostgres(pool);
  await seedRedis(redis);
  await establishStateEpoch(redis, pool);
  fake = await startFakeKrakenServer({ seed: 18, symbols: [SYMBOL], updatesPerSecond: 50 });
  ingester = await startIngester(
    {
      KRAKEN_WS_URL: fake.url,
      KRAKEN_SYMBOLS: [SYMBOL],
      BOOK_DEPTH: 10,
      MARKET_EVENTS_STREAM: streamName,
      REDIS_URL: redisUrl(),
      SILENCE_TIMEOUT_MS: 2_000,
      PING_INTERVAL_MS: 1_000,
      RECONNECT_BASE_MS: 100,
      RECONNECT_CAP_MS: 1_000,
      CONNECT_ATTEMPTS_PER_10_MIN: 120,
      KINESIS_LINGER_MS: 20,
      KINESIS_BUFFER_MAX_RECORDS: 100_000,
      HEALTH_PORT: 0,
      METRICS_INTERVAL_MS: 60_000,
      SHUTDOWN_FLUSH_TIMEOUT_MS: 5_000,
    },
    { emitMetrics: false, pool },
  );
  await eventually(
    async () => ingester.readiness().ready,
    (ready) => ready,
    'ingester ready',
  );
  risk = await createRiskApi(riskApiConfigSchema.parse({ ...localStoreEnv() }));
});

afterAll(async () => {
  await risk?.close();
  await ingester?.stop();
  await fake?.close();
  // A failed run must not leave BTC/USD unorderable for the next test on this database.
  await pool.query(`UPDATE ${TABLES.instruments} SET status = 'online' WHERE symbol = $1`, [SYMBOL]);
  await seedRedis(redis);
  redis.disconnect();
  await pool.end();
  await deleteStream(kinesis, streamName);
  kinesis.destroy();
});

describe("System: Kraken's pair status to risk decisions", () => {
  it('rejects the next order once Kraken moves BTC/USD to cancel_only, admits only post-only orders under post_only, and accepts again when it is back online', async () => {
    // Prepare: the ingester's own entry (with Kraken's precisions) replaced the seed's.
    await eventually(
      async () => decodeInstrument(SYMBOL, await redis.hget(REDIS_KEYS.instruments, SYMBOL)),
      (e) => e?.status === 'online' && e.pricePrecision === 1,
      'the ingester entry of BTC/USD',
    );
    const before = await decide();
    expect(before).toMatchObject({ decision: 'accept' });

    // Act
    await krakenSets('cancel_only');
    const cancelOnly = await decide();

    // Assess
    expect(cancelOnly.decision).toBe('reject');
    expect(codes(cancelOnly)).toEqual(['INSTRUMENT_NOT_TRADING']);

    // Act
    await krakenSets('post_only');
    const postOnlyLimit = await decide({ post_only: true });
    const market = await decide({ type: 'market', limit_price: undefined });

    // Assess
    expect(postOnlyLimit.decision).toBe('accept');
    expect(market.decision).toBe('reject');
    expect(codes(market)).toEqual(['INSTRUMENT_NOT_TRADING']);

    // Act
    await krakenSets('online');
    const after = await decide();

    // Assess
    expect(after.decision).toBe('accept');
    // The catalog row follows the same update (the universe job reads the table, not the hash).
    const row = await eventually(
      async () =>
        (await pool.query<{ status: string }>(`SELECT status FROM ${TABLES.instruments} WHERE symbol = $1`, [SYMBOL]))
          .rows[0],
      (r) => r?.status === 'online',
      'the BTC/USD row back online',
    );
    expect(row?.status).toBe('online');
  });
});
