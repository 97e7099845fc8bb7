import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createKinesisClient } from '../../shared/adapters/aws-clients.js';
import { createSqsClient } from '../../shared/adapters/poison-sink.js';
import { createRedisClient } from '../../shared/adapters/redis/client.js';
import { REDIS_KEYS, TABLES } from '../../shared/names.js';
import { databaseUrl, local, localStoreEnv } from '../../test/local-env.js';
import { TestQueue, TestStream } from '../../test/support/test-stream.js';
import { createPositionsApp } from './app.js';
import { positionsConfigSchema } from './config.js';

/** The positions consumer over kinesis-local, real Postgres and Redis, and an SQS DLQ. */
const kinesis = createKinesisClient();
const sqs = createSqsClient();
const dlq = new TestQueue(sqs);
let redis: Redis;
let pool: pg.Pool;
let app: Awaited<ReturnType<typeof createPositionsApp>>;
let stream: TestStream;
let account: string;

const fill = (side: 'buy' | 'sell', qty: string, price: string, fee: string, at: string, symbol = 'BTC/USD') => ({
  fill_id: `f-${randomUUID()}`,
  account_id: account,
  symbol,
  side,
  qty,
  price,
  fee,
  executed_at: at,
});

async function deliver(records: unknown[]) {
  await stream.put(records.map((data) => ({ key: account, data })));
  const event = await stream.poll();
  return { event, response: await app.handle(event) };
}

beforeAll(async () => {
  redis = createRedisClient({ host: local.redisHost, port: local.redisPort, db: local.testRedisDb, tls: false });
  await redis.connect();
  pool = new pg.Pool({ connectionString: databaseUrl() });
  await dlq.create();
  app = await createPositionsApp(
    positionsConfigSchema.parse({
      ...localStoreEnv('positions'),
      DLQ_URL: dlq.url,
    }),
  );
});

afterAll(async () => {
  await app.close();
  redis.disconnect();
  await pool.end();
  await dlq.delete();
  kinesis.destroy();
  sqs.destroy();
});

beforeEach(async () => {
  await redis.flushdb();
  account = `acct-${randomUUID().slice(0, 8)}`;
  stream = new TestStream(kinesis);
  await stream.create();
  return () => stream.delete();
});

describe('positions over kinesis-local', () => {
  it('turns fills into positions, average entry, realised PnL and fees in Postgres and Redis', async () => {
    const { response } = await deliver([
      fill('buy', '2', '100', '0.2', '2026-03-02T10:00:00Z'),
      fill('buy', '2', '110', '0.2', '2026-03-02T10:01:00Z'),
      fill('sell', '1', '120', '0.1', '2026-03-02T10:02:00Z'),
      fill('sell', '3', '3000', '1', '2026-03-02T10:03:00Z', 'ETH/USD'),
    ]);
    expect(response.batchItemFailures).toEqual([]);
    const { rows } = await pool.query(
      `SELECT symbol, qty::text, avg_entry::text, realised_pnl::text, fees::text FROM ${TABLES.positions} WHERE account_id = $1 ORDER BY symbol`,
      [account],
    );
    expect(
      rows.map((r) => [r.symbol, Number(r.qty), Number(r.avg_entry), Number(r.realised_pnl), Number(r.fees)]),
    ).toEqual([
      ['BTC/USD', 3, 105, 15, 0.5],
      ['ETH/USD', -3, 3000, 0, 1],
    ]);
    expect(await redis.hgetall(REDIS_KEYS.positions(account))).toEqual({ 'BTC/USD': '3', 'ETH/USD': '-3' });
    expect(await redis.hgetall(REDIS_KEYS.dailyCounters(account))).toEqual({
      date: '2026-03-02',
      realised_pnl: '15',
      fees: '1.5',
    });
  });

  it('applies each fill id once: a redelivered batch and a republished fill change nothing', async () => {
    const buy = fill('buy', '1', '100', '0.1', '2026-03-02T10:00:00Z');
    const { event } = await deliver([buy, fill('sell', '0.5', '90', '0.05', '2026-03-02T10:01:00Z')]);
    const before = await redis.hgetall(REDIS_KEYS.dailyCounters(account));
    expect(before).toMatchObject({ realised_pnl: '-5', fees: '0.15' });

    expect((await app.handle(event)).batchItemFailures).toEqual([]);
    await deliver([buy]);
    expect(await redis.hgetall(REDIS_KEYS.dailyCounters(account))).toEqual(before);
    expect(await redis.hgetall(REDIS_KEYS.positions(account))).toEqual({ 'BTC/USD': '0.5' });
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM ${TABLES.fills} WHERE account_id = $1`, [
      account,
    ]);
    expect(rows[0].n).toBe(2);
  });

  it('resets the daily counters at the UTC day boundary and keeps a late fill out of today', async () => {
    await deliver([
      fill('buy', '1', '100', '1', '2026-03-02T23:59:00Z'),
      fill('sell', '1', '90', '1', '2026-03-02T23:59:30Z'),
      fill('buy', '1', '100', '0.5', '2026-03-03T00:00:10Z'),
      fill('sell', '1', '101', '0.5', '2026-03-03T00:00:20Z'),
    ]);
    expect(await redis.hgetall(REDIS_KEYS.dailyCounters(account))).toEqual({
      date: '2026-03-03',
      realised_pnl: '1',
      fees: '1',
    });
    await deliver([fill('buy', '1', '100', '7', '2026-03-02T23:59:59Z')]);
    expect(await redis.hgetall(REDIS_KEYS.dailyCounters(account))).toMatchObject({ date: '2026-03-03', fees: '1' });
    const { rows } = await pool.query(
      `SELECT realised_pnl::text, fees::text FROM ${TABLES.dailyPnl} WHERE account_id = $1 AND trading_day = '2026-03-02'`,
      [account],
    );
    expect(rows.map((r) => [Number(r.realised_pnl), Number(r.fees)])).toEqual([[-10, 9]]);
  });

  it('parks a malformed fill in the DLQ and applies the rest of the batch', async () => {
    await dlq.drain();
    const { response } = await deliver([
      fill('buy', '1', '100', '0', '2026-03-02T10:00:00Z'),
      { ...fill('buy', '1', '100', '0', '2026-03-02T10:00:01Z'), qty: 1 },
      fill('buy', '1', '100', '0', '2026-03-02T10:00:02Z'),
    ]);
    expect(response.batchItemFailures).toEqual([]);
    expect(await redis.hgetall(REDIS_KEYS.positions(account))).toEqual({ 'BTC/USD': '2' });
    const parked = await dlq.drain();
    expect(parked).toHaveLength(1);
    expect(parked[0]?.body).toMatchObject({ source: 'positions', reason: expect.stringMatching(/^not a fill: qty/) });
  });
});
