import type { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createKinesisClient } from '../../shared/adapters/aws-clients.js';
import { createSqsClient } from '../../shared/adapters/poison-sink.js';
import { createRedisClient } from '../../shared/adapters/redis/client.js';
import { decodeEvaluatorState } from '../../shared/adapters/redis/evaluator-state-json.js';
import type { TopOfBookEvent } from '../../shared/domain/market/events.js';
import { topOfBookFixture } from '../../shared/domain/market/fixtures.js';
import { REDIS_KEYS, TABLES } from '../../shared/names.js';
import { databaseUrl, local, localStoreEnv } from '../../test/local-env.js';
import { establishStateEpoch } from '../../test/support/state-epoch.js';
import { TestQueue, TestStream } from '../../test/support/test-stream.js';
import { createMarketEvaluatorApp, type MarketEvaluatorApp } from './app.js';
import { marketEvaluatorConfigSchema } from './config.js';
import { createMarketEventsHandler } from './process-batch.js';

/**
 * The market evaluator's Lambda handler fed real Kinesis records (put to kinesis-local and
 * read back with GetRecords, as Lambda's poller would), writing to real Redis, PostgreSQL
 * and an SQS DLQ on the AWS emulator. What the risk API makes of the breakers it writes is
 * tested across both units in test/system/breakers-to-decisions.int.test.ts.
 */
const kinesis = createKinesisClient();
const sqs = createSqsClient();
const dlq = new TestQueue(sqs);
let redis: Redis;
let pool: pg.Pool;
let app: MarketEvaluatorApp;
let stream: TestStream;
const T0 = Date.now() - 600_000;

function evaluatorConfig(dlqUrl: string) {
  return marketEvaluatorConfigSchema.parse({
    ...localStoreEnv('marketEvaluator'),
    DLQ_URL: dlqUrl,
  });
}

const book = (symbol: string, mid: string, atMs: number, spreadBps = '1'): TopOfBookEvent =>
  topOfBookFixture(symbol, mid, atMs, { spreadBps });

async function deliver(events: unknown[], handler = createMarketEventsHandler(app.evaluator)) {
  await stream.put(events.map((e) => ({ key: (e as { symbol?: string }).symbol ?? 'poison', data: e })));
  const event = await stream.poll();
  expect(event.Records.length).toBe(events.length);
  return { event, response: await handler(event) };
}

const breaker = (symbol: string) => redis.hgetall(REDIS_KEYS.breaker(symbol));

beforeAll(async () => {
  redis = createRedisClient({ host: local.redisHost, port: local.redisPort, db: local.testRedisDb, tls: false });
  await redis.connect();
  pool = new pg.Pool({ connectionString: databaseUrl() });
  await pool.query(
    `INSERT INTO ${TABLES.breakerConfig} (symbol, version, config, created_by, reason)
     VALUES ('BTC/USD', 2, '{"vol_trip_bps": 100, "vol_clear_bps": 40}', 'test', 'tight BTC breaker')
     ON CONFLICT DO NOTHING`,
  );
  await dlq.create();
  app = await createMarketEvaluatorApp(evaluatorConfig(dlq.url));
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
  await establishStateEpoch(redis, pool);
  await dlq.drain();
  stream = new TestStream(kinesis);
  await stream.create();
  return () => stream.delete();
});

describe('Function: createMarketEventsHandler over kinesis-local', () => {
  it('parks a poison record in the DLQ and processes the rest of its batch', async () => {
    const good = [book('BTC/USD', '65000', T0), book('BTC/USD', '65010', T0 + 1_000), book('ETH/USD', '3000', T0)];
    const { event, response } = await deliver([good[0], '{"not": "a market event"', good[1], good[2]]);

    expect(response.batchItemFailures).toEqual([]);
    const parked = await dlq.drain();
    expect(parked).toHaveLength(1);
    expect(parked[0]).toMatchObject({
      kind: 'poison-record',
      body: {
        source: 'market-evaluator',
        sequenceNumber: event.Records[1]?.kinesis.sequenceNumber,
        reason: 'not JSON',
      },
    });
    const btc = decodeEvaluatorState(await redis.get(REDIS_KEYS.evaluatorState('BTC/USD')));
    expect(btc.lastSeq).toBe(event.Records[2]?.kinesis.sequenceNumber);
    expect(btc.vol.sq).toHaveLength(1);
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM ${TABLES.marketTicks} WHERE event_id = ANY($1)`, [
      good.map((e) => e.event_id),
    ]);
    expect(rows[0].n).toBe(3);
  });

  it('reports a poison record it could not park as a batch item failure, so Lambda retries it', async () => {
    const broken = await createMarketEvaluatorApp(evaluatorConfig(`${local.awsEndpoint}/000000000000/no-such-queue`));
    try {
      const { event, response } = await deliver(
        [book('SOL/USD', '150', T0), 'garbage', book('SOL/USD', '150.1', T0 + 1)],
        createMarketEventsHandler(broken.evaluator),
      );
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: event.Records[1]?.kinesis.sequenceNumber }]);
      const sol = decodeEvaluatorState(await redis.get(REDIS_KEYS.evaluatorState('SOL/USD')));
      expect(sol.lastSeq).toBe(event.Records[2]?.kinesis.sequenceNumber);
    } finally {
      await broken.close();
    }
  });

  it('changes state once for a record delivered twice (Lambda retry) and for an event published twice', async () => {
    const spike = [
      book('BTC/USD', '65000', T0),
      book('BTC/USD', '65010', T0 + 1_000),
      book('BTC/USD', '65800', T0 + 2_000),
    ];
    const handler = createMarketEventsHandler(app.evaluator);
    const { event } = await deliver(spike, handler);
    const stateAfterFirst = await redis.get(REDIS_KEYS.evaluatorState('BTC/USD'));
    const breakerAfterFirst = await breaker('BTC/USD');
    const audit = () =>
      pool.query(`SELECT count(*)::int AS n FROM ${TABLES.breakerEvents} WHERE source_id = ANY($1)`, [
        spike.map((e) => e.event_id),
      ]);
    expect((await audit()).rows[0].n).toBe(1);

    const again = await handler(event);
    expect(again.batchItemFailures).toEqual([]);
    expect(await redis.get(REDIS_KEYS.evaluatorState('BTC/USD'))).toBe(stateAfterFirst);
    expect(await breaker('BTC/USD')).toEqual(breakerAfterFirst);
    expect((await audit()).rows[0].n).toBe(1);

    // The producer published the spike's last event again (same event id, new sequence number).
    const dup = await deliver([spike[2]], handler);
    expect(dup.response.batchItemFailures).toEqual([]);
    const state = decodeEvaluatorState(await redis.get(REDIS_KEYS.evaluatorState('BTC/USD')));
    expect(state.vol).toEqual(decodeEvaluatorState(stateAfterFirst).vol);
    expect(state.lastSeq).toBe(dup.event.Records[0]?.kinesis.sequenceNumber);
  });

  it('halts USDC/USD at 75 bps off the peg, holds at 20, resumes under 15', async () => {
    await deliver([book('USDC/USD', '0.9926', T0)]);
    expect((await breaker('USDC/USD')).state).toBeUndefined();
    await deliver([book('USDC/USD', '0.9925', T0 + 1_000)]);
    expect(await breaker('USDC/USD')).toMatchObject({ state: 'tripped', 'cause:depeg': '1' });
    await deliver([book('USDC/USD', '0.998', T0 + 2_000)]);
    expect((await breaker('USDC/USD')).state).toBe('tripped');
    await deliver([book('USDC/USD', '0.9986', T0 + 3_000)]);
    expect(await breaker('USDC/USD')).toMatchObject({ state: 'clear', 'cause:depeg': '0' });
  });

  it('treats an operator reset of the breaker hash as cleared, so the next breach trips again', async () => {
    await deliver([book('ETH/USD', '3000', T0, '60')]);
    expect((await breaker('ETH/USD')).state).toBe('tripped');
    await redis.del(REDIS_KEYS.breaker('ETH/USD'));
    await deliver([book('ETH/USD', '3000', T0 + 1_000, '61')]);
    expect(await breaker('ETH/USD')).toMatchObject({ state: 'tripped', 'cause:spread': '1' });
  });
});
