import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  compareAndSetAccountBook,
  decodeAccountBook,
  deleteReservationOp,
  setWorkingOrderOp,
} from '../../shared/adapters/redis/account-book-hash.js';
import { createRedisClient } from '../../shared/adapters/redis/client.js';
import { decodeStoredDecision } from '../../shared/adapters/redis/order-decision.js';
import { decodeReservationEvent } from '../../shared/adapters/redis/reservation-events.js';
import { Decimal } from '../../shared/domain/decimal.js';
import type { Reservation } from '../../shared/domain/risk/exposure.js';
import { type AccountLimitsInput, type AccountRecord, parseLimits } from '../../shared/domain/risk/limits.js';
import { REDIS_KEYS } from '../../shared/names.js';
import { local, localStoreEnv } from '../../test/local-env.js';
import { proxyEvent, writeMark } from '../../test/risk-fixtures.js';
import { seedRedis } from '../../test/support/seed.js';
import { establishStateEpoch } from '../../test/support/state-epoch.js';
import { RedisRiskStateStore } from './adapters/redis-risk-state.js';
import { createRiskApi, type RiskApi } from './app.js';
import { riskApiConfigSchema } from './config.js';
import type { RiskApiAdapters } from './ports.js';
import { createRouter } from './router.js';
import { type ReplicaPair, startReplicaPair } from './test-support/replica-pair.js';

/**
 * Issue #12 end to end through the router: accepts reserve in the decision's atomic step, so
 * concurrent orders never pass a limit together; room comes back only by a cancel, an expiry
 * or a fill (written to the book through its codec, as the positions consumer writes it);
 * amend and cancel over HTTP. Every scenario runs twice: on the suite's Redis without replicas
 * (minReplicaAcks 0) and on a private primary with a real replica (minReplicaAcks 1, WAIT
 * pipelined after the script).
 */

const MID = '65000';
const accounts = new Map<string, AccountRecord>();

function account(limits: Partial<AccountLimitsInput>): string {
  const accountId = `exp-${randomUUID().slice(0, 8)}`;
  accounts.set(accountId, {
    accountId,
    enabled: true,
    limitsVersion: 1,
    limits: parseLimits({
      nav: '100000',
      // 20,000 NAV cap: six buys of 0.05 BTC at 65,000 (3,250 each) fit, a seventh does not.
      max_nav_percent: '0.2',
      max_orders_per_window: 1000,
      mark_max_age_ms: 600_000,
      ...limits,
    }),
  });
  return accountId;
}

const buy = (accountId: string, extra: Record<string, unknown> = {}) => ({
  account_id: accountId,
  order_id: `o-${randomUUID()}`,
  symbol: 'BTC/USD',
  side: 'buy',
  type: 'limit',
  quantity: '0.05',
  limit_price: MID,
  ...extra,
});

interface Target {
  readonly name: string;
  readonly minReplicaAcks: number;
  connect(): Promise<Redis>;
}

let pair: ReplicaPair | undefined;

const targets: Target[] = [
  {
    name: 'suite Redis, minReplicaAcks 0',
    minReplicaAcks: 0,
    connect: async () => {
      const redis = createRedisClient({
        host: local.redisHost,
        port: local.redisPort,
        db: local.testRedisDb,
        tls: false,
      });
      await redis.connect();
      return redis;
    },
  },
  {
    name: 'primary with a real replica, minReplicaAcks 1',
    minReplicaAcks: 1,
    connect: async () => {
      pair = await startReplicaPair(6386, 6387);
      const redis = new Redis({ host: '127.0.0.1', port: pair.primaryPort, lazyConnect: true });
      await redis.connect();
      return redis;
    },
  },
];

interface Harness {
  readonly api: RiskApi<RiskApiAdapters>;
  readonly route: ReturnType<typeof createRouter>;
  readonly expired: Reservation[];
  readonly shortfalls: number[];
}

async function harness(redis: Redis, minReplicaAcks: number): Promise<Harness> {
  const expired: Reservation[] = [];
  const shortfalls: number[] = [];
  const state = new RedisRiskStateStore(redis, {
    minReplicaAcks,
    replicaAckTimeoutMs: 200,
    onReservationsExpired: (r) => expired.push(...r),
    onReplicaAckShortfall: (acked) => shortfalls.push(acked),
  });
  const config = riskApiConfigSchema.parse({ ...localStoreEnv('riskApi'), LIMITS_CACHE_TTL_MS: '1000' });
  const api = await createRiskApi(config, {
    adapters: async () => ({
      state,
      exposure: { load: (id: string, nowMs: number) => state.loadExposure(id, nowMs) },
      // Limits of the accounts each test creates (the PostgreSQL limits source is tested elsewhere).
      limits: { get: async (id: string) => accounts.get(id) ?? null },
      fallbackAudit: { insert: async () => {} },
      decisions: { recent: async () => [] },
      health: async () => ({ healthy: true, checks: {} }),
      close: async () => {},
    }),
  });
  return { api, route: createRouter(api.ports, 'local'), expired, shortfalls };
}

async function post(route: Harness['route'], body: unknown) {
  const result = await route(proxyEvent('POST', '/v1/risk/validate', body));
  return {
    status: result.statusCode,
    body: JSON.parse(result.body) as { decision: string; decision_id: string; reasons: { code: string }[] },
  };
}

const codes = (r: { body: { reasons: { code: string }[] } }) => r.body.reasons.map((x) => x.code);

describe.each(targets)('Exposure that counts every order ($name)', (target) => {
  let redis: Redis;
  let h: Harness;

  beforeAll(async () => {
    redis = await target.connect();
    h = await harness(redis, target.minReplicaAcks);
  });

  afterAll(async () => {
    await h.api.close();
    redis.disconnect();
    await pair?.stop();
    pair = undefined;
  });

  beforeEach(async () => {
    await redis.flushdb();
    await seedRedis(redis);
    await establishStateEpoch(redis);
    await writeMark(redis, 'BTC/USD', '64999.9', '65000.1', Date.now(), { mid: MID });
    h.expired.length = 0;
  });

  it('50 concurrent validations where the NAV cap fits 6 accept at most 6 (at least one), and the book holds what was accepted', async () => {
    // Prepare
    const id = account({});

    // Act
    const results = await Promise.all(Array.from({ length: 50 }, () => post(h.route, buy(id))));

    // Assess
    const accepted = results.filter((r) => r.body.decision === 'accept');
    expect(accepted.length).toBeGreaterThan(0);
    expect(accepted.length).toBeLessThanOrEqual(6);
    expect(results.every((r) => r.status === 200)).toBe(true);
    const rejectedCodes = results.filter((r) => r.body.decision === 'reject').flatMap(codes);
    expect(rejectedCodes.every((c) => c === 'NAV_LIMIT_BREACH' || c === 'BOOK_CONTENDED')).toBe(true);
    const { book } = decodeAccountBook(id, await redis.hgetall(REDIS_KEYS.accountBook(id)));
    expect(book.reservations.size).toBe(accepted.length);
    expect(h.shortfalls).toEqual([]);
  });

  it('once accepts use up the NAV cap the next is rejected until a cancel frees room', async () => {
    // Prepare
    const id = account({});
    const orders = Array.from({ length: 6 }, () => buy(id));
    for (const order of orders) expect((await post(h.route, order)).body.decision).toBe('accept');
    expect(codes(await post(h.route, buy(id)))).toContain('NAV_LIMIT_BREACH');

    // Act: Kraken acknowledges the first order, then reports it canceled (as the consumer writes it).
    const key = REDIS_KEYS.accountBook(id);
    const { version } = decodeAccountBook(id, await redis.hgetall(key));
    const canceled = await compareAndSetAccountBook(redis, key, version, [
      deleteReservationOp(orders[0]!.order_id),
      setWorkingOrderOp({
        krakenOrderId: 'OK-1',
        clOrdId: orders[0]!.order_id,
        symbol: 'BTC/USD',
        side: 'buy',
        type: 'limit',
        orderQty: Decimal.parse('0.05'),
        cumQty: Decimal.ZERO,
        filledQty: Decimal.ZERO,
        limitPrice: Decimal.parse(MID),
        reduceOnly: false,
        closedAtMs: Date.now(),
      }),
    ]);

    // Assess
    expect(canceled.applied).toBe(true);
    expect((await post(h.route, buy(id))).body.decision).toBe('accept');
    expect(codes(await post(h.route, buy(id)))).toContain('NAV_LIMIT_BREACH');
  });

  it('frees room when a reservation nobody acknowledged expires: removed, audited, counted', async () => {
    // Prepare
    const id = account({ reservation_ttl_ms: 300 });
    const first = buy(id);
    expect((await post(h.route, first)).body.decision).toBe('accept');
    for (let i = 0; i < 5; i++) expect((await post(h.route, buy(id))).body.decision).toBe('accept');
    expect(codes(await post(h.route, buy(id)))).toContain('NAV_LIMIT_BREACH');
    await redis.del(REDIS_KEYS.reservationEvents);

    // Act
    await new Promise((r) => setTimeout(r, 400));
    const after = await post(h.route, buy(id));

    // Assess
    expect(after.body.decision).toBe('accept');
    expect(h.expired.map((r) => r.orderId)).toContain(first.order_id);
    expect(h.expired).toHaveLength(6);
    const { book } = decodeAccountBook(id, await redis.hgetall(REDIS_KEYS.accountBook(id)));
    expect(book.reservations.size).toBe(1);
    const events = await redis.xrange(REDIS_KEYS.reservationEvents, '-', '+');
    const decoded = events.map(([, fields]) => decodeReservationEvent(fields));
    expect(decoded.filter((e) => e?.kind === 'expired' && e.reservation.account_id === id)).toHaveLength(6);
  });

  it('frees room when a sell fills: the position shrinks and the filled order leaves the book', async () => {
    // Prepare: long 0.2 BTC (13,000) with a working sell of 0.1; two buys take the upper case to 19,500.
    const id = account({});
    await redis.hset(REDIS_KEYS.positions(id), { 'BTC/USD': '0.2' });
    const key = REDIS_KEYS.accountBook(id);
    const sell = {
      krakenOrderId: 'OS-1',
      clOrdId: 'sell-1',
      symbol: 'BTC/USD',
      side: 'sell' as const,
      type: 'limit' as const,
      orderQty: Decimal.parse('0.1'),
      cumQty: Decimal.ZERO,
      filledQty: Decimal.ZERO,
      limitPrice: Decimal.parse(MID),
      reduceOnly: false,
      closedAtMs: null,
    };
    expect((await compareAndSetAccountBook(redis, key, 0, [setWorkingOrderOp(sell)])).applied).toBe(true);
    for (let i = 0; i < 2; i++) expect((await post(h.route, buy(id))).body.decision).toBe('accept');
    expect(codes(await post(h.route, buy(id)))).toContain('NAV_LIMIT_BREACH');

    // Act: the sell fills (position and order move together, as the consumer applies a fill).
    const { version } = decodeAccountBook(id, await redis.hgetall(key));
    const filled = { ...sell, cumQty: sell.orderQty, filledQty: sell.orderQty, closedAtMs: Date.now() };
    expect((await compareAndSetAccountBook(redis, key, version, [setWorkingOrderOp(filled)])).applied).toBe(true);
    await redis.hset(REDIS_KEYS.positions(id), { 'BTC/USD': '0.1' });

    // Assess: upper case 6,500 + 6,500: two more buys fit, the third does not.
    expect((await post(h.route, buy(id))).body.decision).toBe('accept');
    expect((await post(h.route, buy(id))).body.decision).toBe('accept');
    expect(codes(await post(h.route, buy(id)))).toContain('NAV_LIMIT_BREACH');
  });

  it('amends and cancels over HTTP: checked against the reservation, replayed, recorded', async () => {
    // Prepare
    const id = account({});
    const order = buy(id);
    const accepted = await post(h.route, order);
    expect(accepted.body.decision).toBe('accept');
    const amend = { account_id: id, order_id: order.order_id, action: 'amend', symbol: 'BTC/USD', quantity: '0.2' };

    // Act
    const grown = await post(h.route, amend);
    const replay = await post(h.route, amend);
    const tooBig = await post(h.route, { ...amend, quantity: '0.4' });
    const unknown = await post(h.route, { ...amend, order_id: 'nobody' });
    const cancel = await post(h.route, {
      account_id: id,
      order_id: order.order_id,
      action: 'cancel',
      symbol: 'BTC/USD',
    });
    const invalid = await post(h.route, {
      account_id: id,
      order_id: order.order_id,
      action: 'amend',
      symbol: 'BTC/USD',
    });

    // Assess
    expect(grown.body.decision).toBe('accept');
    expect(replay.body.decision_id).toBe(grown.body.decision_id);
    // 0.4 x 65,000 = 26,000 > the 20,000 NAV cap; the 0.2 it replaces does not count twice.
    expect(codes(tooBig)).toContain('NAV_LIMIT_BREACH');
    expect(codes(unknown)).toEqual(['ORDER_NOT_FOUND']);
    expect(cancel.body.decision).toBe('accept');
    expect(invalid.status).toBe(400);
    const { book } = decodeAccountBook(id, await redis.hgetall(REDIS_KEYS.accountBook(id)));
    // The pending amend replaced the reservation; the cancel released nothing (Kraken's `canceled` will).
    expect(book.reservations.get(order.order_id)?.qty.toString()).toBe('0.2');
    expect(book.reservations.size).toBe(1);
    const original = decodeStoredDecision((await redis.get(REDIS_KEYS.orderId(id, order.order_id))) ?? '');
    expect(original?.response.decision_id).toBe(accepted.body.decision_id);
  });

  it('amends a working order under <id>#amend, and serves the exposure with headroom', async () => {
    // Prepare: a working buy of 0.1 on Kraken.
    const id = account({});
    const key = REDIS_KEYS.accountBook(id);
    await compareAndSetAccountBook(redis, key, 0, [
      setWorkingOrderOp({
        krakenOrderId: 'OW-1',
        clOrdId: 'work-1',
        symbol: 'BTC/USD',
        side: 'buy',
        type: 'limit',
        orderQty: Decimal.parse('0.1'),
        cumQty: Decimal.ZERO,
        filledQty: Decimal.ZERO,
        limitPrice: Decimal.parse(MID),
        reduceOnly: false,
        closedAtMs: null,
      }),
    ]);

    // Act
    const amended = await post(h.route, {
      account_id: id,
      order_id: 'work-1',
      action: 'amend',
      symbol: 'BTC/USD',
      quantity: '0.15',
    });
    const exposure = await h.route(proxyEvent('GET', `/v1/risk/accounts/${id}/exposure`));
    const missing = await h.route(proxyEvent('GET', '/v1/risk/accounts/nobody/exposure'));

    // Assess
    expect(amended.body.decision).toBe('accept');
    const { book } = decodeAccountBook(id, await redis.hgetall(key));
    expect(book.reservations.get('work-1#amend')?.qty.toString()).toBe('0.15');
    expect(exposure.statusCode).toBe(200);
    const view = JSON.parse(exposure.body);
    expect(view.symbols[0]).toMatchObject({
      symbol: 'BTC/USD',
      working: { buy: { qty: '0.1', count: 1 } },
      pending: { buy: { qty: '0.15', count: 1 } },
    });
    // Worst case: both buys fill, 0.25 x 65,000 = 16,250 of a 20,000 cap.
    expect(view.total.net).toBe('16250');
    expect(view.headroom.nav).toBe('3750');
    expect(view.headroom.open_orders).toBe(198);
    expect(missing.statusCode).toBe(404);
  });
});

describe('Replica acknowledgement (a real replica, minReplicaAcks 1)', () => {
  let redis: Redis;
  let h: Harness;

  beforeAll(async () => {
    pair = await startReplicaPair(6388, 6389);
    redis = new Redis({ host: '127.0.0.1', port: pair.primaryPort, lazyConnect: true });
    await redis.connect();
    await seedRedis(redis);
    await establishStateEpoch(redis);
    h = await harness(redis, 1);
  });

  afterAll(async () => {
    await h.api.close();
    redis.disconnect();
    await pair?.stop();
    pair = undefined;
  });

  it('200 back-to-back accepts are all answered accept, each acknowledged by the replica', async () => {
    // Prepare
    const id = account({
      nav: '100000000',
      max_open_orders: 1000,
      max_open_orders_per_symbol: 1000,
      max_open_notional: '100000000',
    });
    await writeMark(redis, 'BTC/USD', '64999.9', '65000.1', Date.now(), { mid: MID });

    // Act
    const decisions: string[] = [];
    for (let i = 0; i < 200; i++) decisions.push((await post(h.route, buy(id, { quantity: '0.001' }))).body.decision);

    // Assess
    expect(decisions.filter((d) => d === 'accept')).toHaveLength(200);
    expect(h.shortfalls).toEqual([]);
  });

  it('with the replica gone, the answer is what Redis holds: accept, its idempotency record and audit entry agree', async () => {
    // Prepare
    const id = account({});
    await writeMark(redis, 'BTC/USD', '64999.9', '65000.1', Date.now(), { mid: MID });
    await pair?.killReplica();
    await redis.del(REDIS_KEYS.auditSpool);
    const order = buy(id);

    // Act
    const answer = await post(h.route, order);
    const replay = await post(h.route, order);

    // Assess
    expect(h.shortfalls.length).toBeGreaterThan(0);
    expect(h.shortfalls.every((acked) => acked === 0)).toBe(true);
    expect(answer.body.decision).toBe('accept');
    const stored = decodeStoredDecision((await redis.get(REDIS_KEYS.orderId(id, order.order_id))) ?? '');
    expect(stored?.response.decision).toBe('accept');
    expect(stored?.response.decision_id).toBe(answer.body.decision_id);
    expect(replay.body.decision_id).toBe(answer.body.decision_id);
    const spool = await redis.xrange(REDIS_KEYS.auditSpool, '-', '+');
    const audited = spool.map(([, f]) => JSON.parse(f[1] ?? '{}') as { decisionId: string; decision: string });
    expect(audited.filter((r) => r.decisionId === answer.body.decision_id).map((r) => r.decision)).toEqual(['accept']);
    const { book } = decodeAccountBook(id, await redis.hgetall(REDIS_KEYS.accountBook(id)));
    expect(book.reservations.get(order.order_id)?.decisionId).toBe(answer.body.decision_id);
  });
});
