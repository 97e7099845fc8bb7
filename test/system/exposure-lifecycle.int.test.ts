import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPositionsApp } from '../../functions/positions/app.js';
import { positionsConfigSchema } from '../../functions/positions/config.js';
import { orderLife } from '../../functions/positions/test-support/order-events.js';
import { RedisRiskStateStore } from '../../functions/risk-api/adapters/redis-risk-state.js';
import { createRiskApi, type RiskApi } from '../../functions/risk-api/app.js';
import { riskApiConfigSchema } from '../../functions/risk-api/config.js';
import type { RiskApiAdapters } from '../../functions/risk-api/ports.js';
import { createRouter } from '../../functions/risk-api/router.js';
import { type ReplicaPair, startReplicaPair } from '../../functions/risk-api/test-support/replica-pair.js';
import { createKinesisClient } from '../../shared/adapters/aws-clients.js';
import { createSqsClient } from '../../shared/adapters/poison-sink.js';
import { decodeAccountBook } from '../../shared/adapters/redis/account-book-hash.js';
import { type AccountLimitsInput, type AccountRecord, parseLimits } from '../../shared/domain/risk/limits.js';
import { REDIS_KEYS } from '../../shared/names.js';
import { local, localStoreEnv } from '../local-env.js';
import { proxyEvent, writeMark } from '../risk-fixtures.js';
import { seedRedis } from '../support/seed.js';
import { establishStateEpoch } from '../support/state-epoch.js';
import { TestQueue, TestStream } from '../support/test-stream.js';

/**
 * Issue #12 across the two units that share the account book: the risk API reserves at
 * accept, and the real positions consumer, fed Kraken's order events over kinesis-local,
 * hands reservations to working orders, moves fills into positions and releases what a
 * cancel or a rejection leaves. Room under the NAV cap comes back exactly when Kraken says
 * so, never earlier. Runs on the suite's Redis and on a primary with a real replica
 * (minReplicaAcks 1), since staging and prod wait for one.
 */
const MID = '65000';
const accounts = new Map<string, AccountRecord>();

function newAccount(limits: Partial<AccountLimitsInput> = {}): string {
  const accountId = `sys-${randomUUID().slice(0, 8)}`;
  accounts.set(accountId, {
    accountId,
    enabled: true,
    limitsVersion: 1,
    limits: parseLimits({
      nav: '100000',
      // A 20,000 NAV cap: six buys of 0.05 BTC at 65,000 (3,250 each) fit, a seventh does not.
      max_nav_percent: '0.2',
      max_orders_per_window: 1000,
      mark_max_age_ms: 600_000,
      ...limits,
    }),
  });
  return accountId;
}

interface Target {
  readonly name: string;
  readonly minReplicaAcks: number;
  /** Redis settings of the positions consumer, as its environment names them. */
  start(): Promise<{ redis: Redis; env: Record<string, string> }>;
}

let pair: ReplicaPair | undefined;

const targets: Target[] = [
  {
    name: 'suite Redis, minReplicaAcks 0',
    minReplicaAcks: 0,
    start: async () => {
      const redis = new Redis({
        host: local.redisHost,
        port: local.redisPort,
        db: local.testRedisDb,
        lazyConnect: true,
      });
      await redis.connect();
      return { redis, env: {} };
    },
  },
  {
    name: 'primary with a real replica, minReplicaAcks 1',
    minReplicaAcks: 1,
    start: async () => {
      pair = await startReplicaPair(6382, 6383);
      const redis = new Redis({ host: '127.0.0.1', port: pair.primaryPort, lazyConnect: true });
      await redis.connect();
      return { redis, env: { REDIS_PORT: String(pair.primaryPort), REDIS_DB: '0' } };
    },
  },
];

describe.each(targets)('Exposure lifecycle: risk API and positions consumer ($name)', (target) => {
  const kinesis = createKinesisClient();
  const sqs = createSqsClient();
  const dlq = new TestQueue(sqs);
  let redis: Redis;
  let api: RiskApi<RiskApiAdapters>;
  let route: ReturnType<typeof createRouter>;
  let consumer: Awaited<ReturnType<typeof createPositionsApp>>;
  let stream: TestStream;
  const shortfalls: number[] = [];

  async function validate(body: Record<string, unknown>) {
    const result = await route(proxyEvent('POST', '/v1/risk/validate', body));
    expect(result.statusCode).toBe(200);
    return JSON.parse(result.body) as { decision: string; reasons: { code: string }[] };
  }

  const buy = (accountId: string) => ({
    account_id: accountId,
    order_id: `o-${randomUUID()}`,
    symbol: 'BTC/USD',
    side: 'buy',
    type: 'limit',
    quantity: '0.05',
    limit_price: MID,
  });

  /** Kraken's order events for one account, through kinesis-local into the real consumer. */
  async function kraken(accountId: string, events: unknown[]) {
    await stream.put(events.map((data) => ({ key: accountId, data })));
    const response = await consumer.handle(await stream.poll());
    expect(response.batchItemFailures).toEqual([]);
  }

  async function fillUp(accountId: string, count: number) {
    const orders = Array.from({ length: count }, () => buy(accountId));
    for (const order of orders) expect((await validate(order)).decision).toBe('accept');
    return orders;
  }

  const codes = (answer: { reasons: { code: string }[] }) => answer.reasons.map((r) => r.code);

  beforeAll(async () => {
    const started = await target.start();
    redis = started.redis;
    const state = new RedisRiskStateStore(redis, {
      minReplicaAcks: target.minReplicaAcks,
      replicaAckTimeoutMs: 500,
      onReplicaAckShortfall: (acked) => shortfalls.push(acked),
    });
    api = await createRiskApi(riskApiConfigSchema.parse({ ...localStoreEnv(), LIMITS_CACHE_TTL_MS: '1000' }), {
      adapters: async () => ({
        state,
        exposure: { load: (id: string, nowMs: number) => state.loadExposure(id, nowMs) },
        limits: { get: async (id: string) => accounts.get(id) ?? null },
        fallbackAudit: { insert: async () => {} },
        decisions: { recent: async () => [] },
        health: async () => ({ healthy: true, checks: {} }),
        close: async () => {},
      }),
    });
    route = createRouter(api.ports, 'local');
    await dlq.create();
    consumer = await createPositionsApp(
      positionsConfigSchema.parse({ ...localStoreEnv(), ...started.env, DLQ_URL: dlq.url }),
    );
  });

  afterAll(async () => {
    await consumer.close();
    await api.close();
    redis.disconnect();
    await dlq.delete();
    kinesis.destroy();
    sqs.destroy();
    await pair?.stop();
    pair = undefined;
  });

  beforeEach(async () => {
    await redis.flushdb();
    await seedRedis(redis);
    await establishStateEpoch(redis);
    await writeMark(redis, 'BTC/USD', '64999.9', '65000.1', Date.now(), { mid: MID });
    shortfalls.length = 0;
    stream = new TestStream(kinesis);
    await stream.create();
    return () => stream.delete();
  });

  it('an acknowledgement keeps the room taken; the cancel Kraken reports gives it back', async () => {
    // Prepare
    const id = newAccount();
    const [first] = await fillUp(id, 6);
    const life = orderLife(id, first?.order_id ?? '', 'OK-1', { qty: '0.05', price: MID });
    expect(codes(await validate(buy(id)))).toContain('NAV_LIMIT_BREACH');

    // Act
    await kraken(id, [life.acknowledged()]);
    const afterAck = await validate(buy(id));
    await kraken(id, [life.canceled('0')]);
    const afterCancel = await validate(buy(id));
    const next = await validate(buy(id));

    // Assess
    expect(codes(afterAck)).toContain('NAV_LIMIT_BREACH');
    expect(afterCancel.decision).toBe('accept');
    expect(codes(next)).toContain('NAV_LIMIT_BREACH');
    const { book } = decodeAccountBook(id, await redis.hgetall(REDIS_KEYS.accountBook(id)));
    expect(book.reservations.has(first?.order_id ?? '')).toBe(false);
    expect(book.orders.get('OK-1')?.closedAtMs).not.toBeNull();
    expect(shortfalls).toEqual([]);
  });

  it('a rejection by Kraken gives the reservation back', async () => {
    // Prepare
    const id = newAccount();
    const [first] = await fillUp(id, 6);
    expect(codes(await validate(buy(id)))).toContain('NAV_LIMIT_BREACH');

    // Act
    await kraken(id, [orderLife(id, first?.order_id ?? '', 'OK-1', { qty: '0.05', price: MID }).rejected()]);

    // Assess
    expect((await validate(buy(id))).decision).toBe('accept');
    expect(codes(await validate(buy(id)))).toContain('NAV_LIMIT_BREACH');
  });

  it('a buy that fills keeps its room taken (working moves to position), a sell that fills gives room back', async () => {
    // Prepare: long 0.2 BTC from a fill; a sell of 0.1 accepted and working; buys up to the cap.
    const id = newAccount();
    const opening = orderLife(id, null, 'OK-0', { qty: '0.2', price: MID });
    await kraken(id, [opening.acknowledged(), opening.filledWithTrade(`${id}-X0`, '0.2', '0.2')]);
    const sellOrder = { ...buy(id), side: 'sell', quantity: '0.1' };
    expect((await validate(sellOrder)).decision).toBe('accept');
    const sell = orderLife(id, sellOrder.order_id, 'OK-S', { qty: '0.1', price: MID, side: 'sell' });
    await kraken(id, [sell.acknowledged()]);
    const [buyOrder] = await fillUp(id, 2);
    expect(codes(await validate(buy(id)))).toContain('NAV_LIMIT_BREACH');
    const bought = orderLife(id, buyOrder?.order_id ?? '', 'OK-B', { qty: '0.05', price: MID });

    // Act
    await kraken(id, [bought.acknowledged(), bought.filledWithTrade(`${id}-X1`, '0.05', '0.05')]);
    const afterBuyFill = await validate(buy(id));
    await kraken(id, [sell.filledWithTrade(`${id}-X2`, '0.1', '0.1')]);
    const afterSellFill = await validate(buy(id));

    // Assess
    expect(codes(afterBuyFill)).toContain('NAV_LIMIT_BREACH');
    expect(afterSellFill.decision).toBe('accept');
    expect(await redis.hget(REDIS_KEYS.positions(id), 'BTC/USD')).toBe('0.15');
  });
});
