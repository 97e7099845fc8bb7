import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKinesisClient, createSecretsManagerClient } from '../../shared/adapters/aws-clients.js';
import { KrakenKeyStore } from '../../shared/adapters/kraken-keys.js';
import { KrakenRestClient } from '../../shared/adapters/kraken-rest.js';
import { decodeAccountFeed } from '../../shared/adapters/redis/account-feed-hash.js';
import { createRedisClient, redisConfigFromUrl } from '../../shared/adapters/redis/client.js';
import { encodeMark } from '../../shared/adapters/redis/mark-hash.js';
import { encodeStoredDecision } from '../../shared/adapters/redis/order-decision.js';
import { executionRecordSchema, isOrderEvent, type OrderEvent } from '../../shared/domain/executions/events.js';
import { REDIS_KEYS, TABLES } from '../../shared/names.js';
import { deleteStream, readStream } from '../../test/kinesis-local.js';
import { databaseUrl, localStoreEnv, redisUrl } from '../../test/local-env.js';
import { deleteLocalKrakenKey } from '../../test/support/local-secrets.js';
import { type LocalTrading, startLocalTrading } from './local-trading.js';

/**
 * Local mode's trading loop without the gate in front: an order placed on the local Kraken
 * (as the demo strategy does after an accept) is filled at the mark in Redis in two trades,
 * reaches `executions` through the real account feed, and moves the account's position
 * through the positions consumer, in PostgreSQL and in the Redis mirror the risk API reads.
 */
const accountId = `loop-${randomUUID().slice(0, 8)}`;
const stream = `it-local-exec-${randomUUID().slice(0, 8)}`;

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('Function: startLocalTrading', () => {
  const kinesis = createKinesisClient();
  const secrets = createSecretsManagerClient();
  const pool = new pg.Pool({ connectionString: databaseUrl(), max: 2 });
  let redis: Redis;
  let trading: LocalTrading;
  let marks: NodeJS.Timeout;

  const writeMark = () => {
    const now = String(Date.now());
    return redis.hset(
      REDIS_KEYS.mark('BTC/USD'),
      encodeMark({
        symbol: 'BTC/USD',
        bid: '65000.0',
        ask: '65001.0',
        mid: '65000.5',
        spread_bps: '0.15',
        last: '65000.0',
        exchange_ts_ms: now,
        receive_ts_ms: now,
        status: 'live',
      }),
    );
  };

  beforeAll(async () => {
    redis = createRedisClient({ ...redisConfigFromUrl(redisUrl()), commandTimeoutMs: 5_000 });
    await redis.connect();
    await writeMark();
    marks = setInterval(() => void writeMark(), 500);
    trading = await startLocalTrading({
      env: { ...process.env, ...localStoreEnv() },
      stage: 'local',
      redis,
      redisUrl: redisUrl(),
      accountIds: [accountId],
      executionsStream: stream,
    });
  }, 60_000);

  afterAll(async () => {
    clearInterval(marks);
    await trading?.stop();
    await deleteLocalKrakenKey(secrets, accountId);
    await deleteStream(kinesis, stream);
    await pool.query(`DELETE FROM ${TABLES.positions} WHERE account_id = $1`, [accountId]);
    // fills is append-only (the account id is this run's own).
    await pool.end();
    await redis?.del(REDIS_KEYS.accountFeed(accountId), REDIS_KEYS.positions(accountId), REDIS_KEYS.mark('BTC/USD'));
    redis?.disconnect();
    kinesis.destroy();
    secrets.destroy();
  });

  it('fills a crossing order at the mark and moves the position the risk API reads', async () => {
    // Prepare: the key the local Kraken made was stored as an operator stores one.
    const stored = await new KrakenKeyStore(secrets, 'local').read(accountId);
    expect(stored).not.toBeNull();
    await waitFor('the account feed live', async () => {
      const status = decodeAccountFeed(await redis.hgetall(REDIS_KEYS.accountFeed(accountId)));
      return status?.state === 'live' ? true : undefined;
    });
    // The gate's accept, as the risk API stores it for the order id.
    await redis.set(
      REDIS_KEYS.orderId(accountId, 'loop-order-1'),
      encodeStoredDecision({ requestHash: 'h', response: { decision: 'accept' } }),
      'PX',
      60_000,
    );

    // Act: a buy limit above the ask crosses the spread.
    await new KrakenRestClient(trading.krakenRest.url).privateCall(
      'AddOrder',
      {
        pair: 'BTC/USD',
        type: 'buy',
        ordertype: 'limit',
        volume: '0.02',
        price: '65100.0',
        cl_ord_id: 'loop-order-1',
      },
      stored as { apiKey: string; apiSecret: string },
    );

    // Assess
    const position = await waitFor('the position in PostgreSQL', async () => {
      const { rows } = await pool.query<{ qty: string; avg_entry: string }>(
        `SELECT qty::text, avg_entry::text FROM ${TABLES.positions} WHERE account_id = $1 AND symbol = 'BTC/USD'`,
        [accountId],
      );
      return rows[0] && Number(rows[0].qty) === 0.02 ? rows[0] : undefined;
    });
    expect(Number(position.avg_entry)).toBe(65001);
    // The mirror the risk API reads is written after the PostgreSQL commit: wait for it too.
    const mirrored = await waitFor('the position in the Redis mirror', async () => {
      const qty = await redis.hget(REDIS_KEYS.positions(accountId), 'BTC/USD');
      return qty !== null && Number(qty) === 0.02 ? qty : undefined;
    });
    expect(mirrored).toMatch(/^0\.02(0*)$/);
    const events = (await readStream<unknown>(kinesis, stream))
      .filter((r) => r.key === accountId)
      .map((r) => executionRecordSchema.parse(r.data))
      .filter(isOrderEvent)
      .filter((e: OrderEvent) => e.cl_ord_id === 'loop-order-1');
    expect(events.map((e) => [e.type, e.fill?.qty ?? null, e.fill?.price ?? null])).toEqual([
      ['acknowledged', null, null],
      ['partially_filled', '0.01000000', '65001'],
      ['partially_filled', '0.01000000', '65001'],
      ['filled', null, null],
    ]);
  }, 90_000);
});
