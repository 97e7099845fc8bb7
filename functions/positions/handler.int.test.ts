import { randomUUID } from 'node:crypto';
import type { Context, KinesisStreamEvent } from 'aws-lambda';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { decodeAccountBook } from '../../shared/adapters/redis/account-book-hash.js';
import { createRedisClient } from '../../shared/adapters/redis/client.js';
import { REDIS_KEYS } from '../../shared/names.js';
import { local, localStoreEnv } from '../../test/local-env.js';
import { orderLife } from './test-support/order-events.js';

/** The positions Lambda as deployed: config from the environment at cold start, the whole middy chain, real stores. */
let redis: Redis;

const context = {
  functionName: 'positions',
  awsRequestId: 'it-positions',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:000000000000:function:positions',
  getRemainingTimeInMillis: () => 5_000,
} as unknown as Context;

function executionsEvent(fills: object[]): KinesisStreamEvent {
  return {
    Records: fills.map((fill, i) => ({
      eventSource: 'aws:kinesis',
      eventSourceARN: 'arn:aws:kinesis:eu-west-1:000000000000:stream/executions',
      eventID: `shardId-000000000000:${i}`,
      eventName: 'aws:kinesis:record',
      eventVersion: '1.0',
      invokeIdentityArn: 'arn:aws:iam::000000000000:role/positions',
      awsRegion: 'eu-west-1',
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: 'account',
        sequenceNumber: String(2000 + i),
        approximateArrivalTimestamp: Date.now() / 1000,
        data: Buffer.from(JSON.stringify(fill)).toString('base64'),
      },
    })),
  };
}

beforeAll(async () => {
  redis = createRedisClient({ host: local.redisHost, port: local.redisPort, db: local.testRedisDb, tls: false });
  await redis.connect();
});

afterAll(() => {
  redis.disconnect();
  vi.unstubAllEnvs();
});

describe('Handler: positions', () => {
  it('turns a batch of fills, order events and balances into the account mirror through the whole middy chain', async () => {
    // Prepare
    const env = {
      ...localStoreEnv('positions'),
      DLQ_URL: `${local.awsEndpoint}/000000000000/positions-handler-unused`,
      POWERTOOLS_DEV: 'true',
      POWERTOOLS_TRACE_ENABLED: 'false',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    };
    for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value);
    vi.resetModules();
    const { handler } = await import('./handler.js');
    const account = `acct-${randomUUID().slice(0, 8)}`;
    const fill = (side: 'buy' | 'sell', qty: string, price: string, at: string) => ({
      fill_id: `f-${randomUUID()}`,
      account_id: account,
      symbol: 'BTC/USD',
      side,
      qty,
      price,
      fee: '0.1',
      executed_at: at,
    });

    const order = orderLife(account, null, 'O-H1', { qty: '0.5', price: '100' });
    const balance = {
      kind: 'balance',
      event_id: 'b-1',
      account_id: account,
      asset: 'USD',
      balance: '250.5',
      occurred_at: '2026-03-02T10:02:00Z',
    };

    // Act
    const response = await handler(
      executionsEvent([
        fill('buy', '2', '100', '2026-03-02T10:00:00Z'),
        fill('sell', '1', '110', '2026-03-02T10:01:00Z'),
        order.acknowledged(),
        balance,
      ]),
      context,
    );

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(await redis.hgetall(REDIS_KEYS.positions(account))).toEqual({ 'BTC/USD': '1' });
    expect(await redis.hgetall(REDIS_KEYS.dailyCounters(account))).toEqual({
      date: '2026-03-02',
      realised_pnl: '10',
      fees: '0.2',
    });
    const { book } = decodeAccountBook(account, await redis.hgetall(REDIS_KEYS.accountBook(account)));
    expect(book.orders.get('O-H1')?.orderQty.toString()).toBe('0.5');
    expect(await redis.hgetall(REDIS_KEYS.balances(account))).toEqual({ USD: '250.5' });
  });

  it('emits BalanceDrift when a Kraken balance disagrees with the position its fills built', async () => {
    // Prepare: metrics on (dev mode silences them otherwise), EMF read from the console
    const env = {
      ...localStoreEnv('positions'),
      DLQ_URL: `${local.awsEndpoint}/000000000000/positions-handler-unused`,
      POWERTOOLS_DEV: 'true',
      POWERTOOLS_TRACE_ENABLED: 'false',
      POWERTOOLS_METRICS_DISABLED: 'false',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    };
    for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value);
    vi.resetModules();
    const { handler } = await import('./handler.js');
    const account = `acct-${randomUUID().slice(0, 8)}`;
    const buy = {
      fill_id: `f-${randomUUID()}`,
      account_id: account,
      symbol: 'BTC/USD',
      side: 'buy',
      qty: '2',
      price: '100',
      fee: '0.1',
      executed_at: '2026-03-02T10:00:00Z',
    };
    // Kraken says 2.5 XBT where the ledger's fills hold 2 BTC/USD: |2.5 - 2| / 2.5 = 20%
    const balance = {
      kind: 'balance',
      event_id: 'b-xbt',
      account_id: account,
      asset: 'XBT',
      balance: '2.5',
      occurred_at: '2026-03-02T10:02:00Z',
    };
    const printed: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((line: unknown) => {
      printed.push(String(line));
    });

    // Act
    let response: Awaited<ReturnType<typeof handler>>;
    try {
      response = await handler(executionsEvent([buy, balance]), context);
    } finally {
      spy.mockRestore();
    }

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const emf = printed
      .map((line) => JSON.parse(line) as Record<string, unknown> & { _aws?: { CloudWatchMetrics: unknown[] } })
      .find((doc) => doc._aws);
    expect(emf?.BalanceDrift).toBe(20);
    expect(emf?._aws?.CloudWatchMetrics).toEqual([expect.objectContaining({ Dimensions: [['service']] })]);
  });
});
