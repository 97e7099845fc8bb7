import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ACCOUNT_FEED_FIELDS, encodeAccountFeed } from '../../shared/adapters/redis/account-feed-hash.js';
import { decodeSpoolEntry } from '../../shared/adapters/redis/audit-spool.js';
import { createRedisClient } from '../../shared/adapters/redis/client.js';
import { encodeKillSwitch } from '../../shared/adapters/redis/kill-switch-hash.js';
import { encodeMarkVerified, MARK_FIELDS } from '../../shared/adapters/redis/mark-hash.js';
import { type AccountLimitsInput, type AccountRecord, parseLimits } from '../../shared/domain/risk/limits.js';
import { REDIS_KEYS } from '../../shared/names.js';
import { local, localStoreEnv } from '../../test/local-env.js';
import { proxyEvent, writeMark } from '../../test/risk-fixtures.js';
import { seedRedis } from '../../test/support/seed.js';
import { establishStateEpoch } from '../../test/support/state-epoch.js';
import { type RedisRiskStateOptions, RedisRiskStateStore } from './adapters/redis-risk-state.js';
import { createRiskApi, type RiskApi } from './app.js';
import { riskApiConfigSchema } from './config.js';
import type { RiskApiAdapters } from './ports.js';
import { createRouter } from './router.js';
import { type ReplicaPair, startReplicaPair } from './test-support/replica-pair.js';

/**
 * Issue #12's "one Redis round trip per decision", measured on the real client: every write
 * the store's own connection puts on its socket is counted (ioredis writes one command, or a
 * whole pipeline, per socket write, and waits for the answers: one write is one round trip).
 * A decision made on the copy of the state the account's previous decision left costs one
 * trip (WAIT pipelined in it when a replica must acknowledge); a copy that moved (a new mark,
 * a kill switch) costs a second trip and the decision is made on what the store holds now.
 * Freshness timestamps (the mark's verification, the account feed's heartbeat) moving alone
 * cost nothing more, unless they crossed the age the rules allow since the copy was kept.
 */

const MID = '65000';
const accounts = new Map<string, AccountRecord>();

function account(limits: Partial<AccountLimitsInput> = {}): string {
  const accountId = `trips-${randomUUID().slice(0, 8)}`;
  accounts.set(accountId, {
    accountId,
    enabled: true,
    limitsVersion: 1,
    limits: parseLimits({ nav: '5000000', max_orders_per_window: 1000, mark_max_age_ms: 600_000, ...limits }),
  });
  return accountId;
}

const buy = (accountId: string) => ({
  account_id: accountId,
  order_id: `o-${randomUUID()}`,
  symbol: 'BTC/USD',
  side: 'buy',
  type: 'limit',
  quantity: '0.01',
  limit_price: MID,
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
        // Round trips are counted here, not the fail-closed budget (risk-api.int.test.ts has
        // that): a busy CI machine must not turn a slow answer into a failed count.
        commandTimeoutMs: 2_000,
      });
      await redis.connect();
      return redis;
    },
  },
  {
    name: 'primary with a real replica, minReplicaAcks 1',
    minReplicaAcks: 1,
    connect: async () => {
      pair = await startReplicaPair(6384, 6385);
      const redis = new Redis({ host: '127.0.0.1', port: pair.primaryPort, lazyConnect: true });
      await redis.connect();
      return redis;
    },
  },
];

/** The risk API on its own store and connection, as one Lambda instance runs it. */
async function riskApiOn(connection: Redis, minReplicaAcks: number, options: RedisRiskStateOptions = {}) {
  const state = new RedisRiskStateStore(connection, { minReplicaAcks, replicaAckTimeoutMs: 200, ...options });
  const api = await createRiskApi(riskApiConfigSchema.parse({ ...localStoreEnv(), LIMITS_CACHE_TTL_MS: '1000' }), {
    adapters: async () => ({
      state,
      limits: { get: async (id: string) => accounts.get(id) ?? null },
      fallbackAudit: { insert: async () => {} },
      decisions: { recent: async () => [] },
      health: async () => ({ healthy: true, checks: {} }),
      close: async () => {},
    }),
  });
  return { api, route: createRouter(api.ports, 'local') };
}

/** Counts the socket writes of one connection: its round trips. */
function countTrips(redis: Redis): { readonly count: () => number } {
  const socket = redis.stream;
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  let writes = 0;
  (socket as { write: (...args: unknown[]) => boolean }).write = (...args: unknown[]) => {
    writes++;
    return write(...args);
  };
  return { count: () => writes };
}

describe.each(targets)('One Redis round trip per decision ($name)', (target) => {
  let seeder: Redis;
  let storeConnection: Redis;
  let trips: { readonly count: () => number };
  let api: RiskApi<RiskApiAdapters>;
  let route: ReturnType<typeof createRouter>;

  beforeAll(async () => {
    seeder = await target.connect();
    storeConnection = seeder.duplicate();
    await storeConnection.connect();
    trips = countTrips(storeConnection);
    ({ api, route } = await riskApiOn(storeConnection, target.minReplicaAcks));
  });

  afterAll(async () => {
    await api.close();
    storeConnection.disconnect();
    seeder.disconnect();
    await pair?.stop();
    pair = undefined;
  });

  beforeEach(async () => {
    await seeder.flushdb();
    await seedRedis(seeder);
    await establishStateEpoch(seeder);
    await writeMark(seeder, 'BTC/USD', '64999.9', '65000.1', Date.now(), { mid: MID });
  });

  /** The throttle count each decision's audit entry records, in the order of `decisionIds`. */
  async function recordedCounts(decisionIds: readonly string[]): Promise<number[]> {
    const records = (await seeder.xrange(REDIS_KEYS.auditSpool, '-', '+')).map(([, fields]) =>
      decodeSpoolEntry(fields),
    );
    return decisionIds.map((id) => {
      const inputs = records.find((r) => r?.decisionId === id)?.inputs as { orders_in_window?: number } | undefined;
      return inputs?.orders_in_window ?? -1;
    });
  }

  /** Posts one order and answers its decision with the round trips it took (on `counted`'s connection). */
  async function decide(body: unknown, on = route, counted = trips) {
    const before = counted.count();
    const result = await on(proxyEvent('POST', '/v1/risk/validate', body));
    const decided = JSON.parse(result.body) as {
      decision: string;
      decision_id: string;
      reasons: { code: string }[];
      mark: { bid: string; age_ms: number } | null;
    };
    return { ...decided, codes: decided.reasons.map((r) => r.code), trips: counted.count() - before };
  }

  /** A mark as the ingester writes it (verification time included), received at `receivedMs`. */
  const freshMark = (receivedMs: number, verifiedMs = receivedMs) =>
    writeMark(seeder, 'BTC/USD', '64999.9', '65000.1', receivedMs, { mid: MID, verifiedTsMs: verifiedMs });

  /** A second risk API whose store requires the account feed (5 s max age), with its own trip counter. */
  async function feedRequiredApi() {
    const connection = seeder.duplicate();
    await connection.connect();
    const counted = countTrips(connection);
    const second = await riskApiOn(connection, target.minReplicaAcks, {
      accountFeed: { required: true, maxAgeMs: 5_000 },
    });
    return {
      decide: (body: unknown) => decide(body, second.route, counted),
      close: async () => {
        await second.api.close();
        connection.disconnect();
      },
    };
  }

  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('decides each of 20 sequential orders of an account in one round trip after its first', async () => {
    // Prepare: the account's first decision has no copy of the state yet (a read, then the commit).
    const id = account();
    const first = await decide(buy(id));
    expect(first).toMatchObject({ decision: 'accept', trips: 2 });

    // Act
    const decisions = [];
    for (let i = 0; i < 20; i++) decisions.push(await decide(buy(id)));

    // Assess
    expect(decisions.map((d) => d.decision)).toEqual(Array(20).fill('accept'));
    expect(decisions.map((d) => d.trips)).toEqual(Array(20).fill(1));
    const reserved = await seeder.hlen(REDIS_KEYS.accountBook(id));
    expect(reserved).toBe(21 + 1); // 21 reservations and the book's version
  });

  it('decides on the new mark, in a second round trip, once the kept copy is stale', async () => {
    // Prepare
    const id = account();
    await decide(buy(id));
    await writeMark(seeder, 'BTC/USD', '64999.7', '65000.3', Date.now(), { mid: MID });

    // Act
    const moved = await decide(buy(id));
    const settled = await decide(buy(id));

    // Assess
    expect(moved).toMatchObject({ decision: 'accept', trips: 2, mark: { bid: '64999.7' } });
    expect(settled).toMatchObject({ decision: 'accept', trips: 1, mark: { bid: '64999.7' } });
  });

  it('rejects on a kill switch engaged after the copy was kept: never decided on the stale copy', async () => {
    // Prepare
    const id = account();
    expect((await decide(buy(id))).decision).toBe('accept');
    await seeder.hset(
      REDIS_KEYS.killSwitchAccount(id),
      encodeKillSwitch({
        scope: 'account',
        target: id,
        engaged: true,
        reason: 'desk halt',
        actor: 'risk-manager',
        sinceMs: Date.now(),
        allowReduceOnly: false,
        eventId: randomUUID(),
      }),
    );

    // Act
    const halted = await decide(buy(id));

    // Assess
    expect(halted.decision).toBe('reject');
    expect(halted.codes).toContain('KILL_SWITCH_ACTIVE');
  });

  it('agrees with the rule on the throttle on generated sequences from two instances (property, real Redis)', async () => {
    // The one rule the script re-checks is the throttle's `count > max` (rules.ts rejects
    // ORDER_RATE_LIMIT when state.ordersInWindow > max_orders_per_window): whether decided on
    // a copy or a read, every decision must be what the rule gives on the count the commit
    // found, recorded in its audit entry.
    const other = seeder.duplicate();
    await other.connect();
    const second = await riskApiOn(other, target.minReplicaAcks);
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 5 }),
          fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
          async (max, instances) => {
            // Prepare: a window far longer than the case, so every order counts.
            const id = account({ max_orders_per_window: max, order_rate_window_ms: 60_000 });

            // Act
            const decisions = [];
            for (const onSecond of instances) decisions.push(await decide(buy(id), onSecond ? second.route : route));

            // Assess
            const counts = await recordedCounts(decisions.map((d) => d.decision_id));
            expect([...counts].sort((x, y) => x - y)).toEqual(instances.map((_, i) => i + 1));
            decisions.forEach((d, i) => {
              const throttled = (counts[i] ?? 0) > max;
              expect(d.decision).toBe(throttled ? 'reject' : 'accept');
              expect(d.codes.includes('ORDER_RATE_LIMIT')).toBe(throttled);
            });
          },
        ),
        { numRuns: 12 },
      );
    } finally {
      await second.api.close();
      other.disconnect();
    }
  });

  it('records the throttle count its commit found when decided on a copy another instance made stale', async () => {
    // Prepare: a second instance (own store, own copy) validates orders of the same account in
    // between; its rejections move nothing the decision reads except the throttle window.
    const id = account({ max_order_quantity: '0.001' });
    const other = seeder.duplicate();
    await other.connect();
    const second = await riskApiOn(other, target.minReplicaAcks);
    try {
      await decide(buy(id));
      await decide(buy(id), second.route);
      await decide(buy(id), second.route);

      // Act: this instance's copy predicts a count of 2; the window holds 4 with this one.
      const decided = await decide(buy(id));

      // Assess
      expect(decided).toMatchObject({ decision: 'reject', trips: 1, codes: ['MAX_ORDER_QUANTITY'] });
      const entries = await seeder.xrange(REDIS_KEYS.auditSpool, '-', '+');
      const record = entries
        .map(([, fields]) => decodeSpoolEntry(fields))
        .find((r) => r?.decisionId === decided.decision_id);
      const inputs = record?.inputs as { orders_in_window: number; state: { orders_in_window: number } };
      expect(inputs.orders_in_window).toBe(4);
      expect(inputs.state.orders_in_window).toBe(4);
    } finally {
      await second.api.close();
      other.disconnect();
    }
  });
  it('decides in one trip while only the mark verification time (or its last trade) moved, and ages the next decision from it', async () => {
    // Prepare: a quote received 5 s ago (the test accounts allow 10 min), verified then.
    const id = account();
    const receivedMs = Date.now() - 5_000;
    await freshMark(receivedMs);
    const first = await decide(buy(id));

    // Act: the ingester proves the unchanged quote current, then a trade rewrites `last`.
    await seeder.hset(REDIS_KEYS.mark('BTC/USD'), encodeMarkVerified(Date.now()));
    const reverified = await decide(buy(id));
    await seeder.hset(REDIS_KEYS.mark('BTC/USD'), { [MARK_FIELDS.last]: '65000.3' });
    const next = await decide(buy(id));

    // Assess: one trip each; the first is decided on the copy (its age counted from the
    // receipt), the next on the copy the first one's answer refreshed (from the verification).
    expect(first).toMatchObject({ decision: 'accept', trips: 2 });
    expect(reverified).toMatchObject({ decision: 'accept', trips: 1 });
    expect(reverified.mark?.age_ms).toBeGreaterThanOrEqual(5_000);
    expect(next).toMatchObject({ decision: 'accept', trips: 1 });
    expect(next.mark?.age_ms).toBeLessThan(5_000);
  });

  it('decides on the new price, in a second trip, when a price moved and no timestamp did', async () => {
    // Prepare
    const id = account();
    await freshMark(Date.now());
    await decide(buy(id));

    // Act: bid and ask move, receive and verification times as they were.
    await seeder.hset(REDIS_KEYS.mark('BTC/USD'), { [MARK_FIELDS.bid]: '64999.8', [MARK_FIELDS.ask]: '65000.2' });
    const moved = await decide(buy(id));

    // Assess
    expect(moved).toMatchObject({ decision: 'accept', trips: 2, mark: { bid: '64999.8' } });
  });

  it('rejects as stale a mark that aged past its max age since the copy was kept, and accepts in two trips once re-verified', async () => {
    // Prepare: a 500 ms max age; the copy is kept with a fresh mark.
    const id = account({ mark_max_age_ms: 500 });
    await freshMark(Date.now());
    expect(await decide(buy(id))).toMatchObject({ decision: 'accept', trips: 2 });

    // Act: nothing is written for 700 ms (the copy is the store's state, aged); then the
    // ingester re-verifies: the copy still shows the old verification time.
    await sleep(700);
    const aged = await decide(buy(id));
    await seeder.hset(REDIS_KEYS.mark('BTC/USD'), encodeMarkVerified(Date.now()));
    const reverified = await decide(buy(id));

    // Assess: stale, decided on the copy that is exactly the store's state (one trip); the
    // re-verified mark is not rejected on the copy's old time but re-decided (two trips).
    expect(aged).toMatchObject({ decision: 'reject', trips: 1 });
    expect(aged.codes).toContain('MARKET_DATA_STALE');
    expect(reverified).toMatchObject({ decision: 'accept', trips: 2 });
  });

  it.each([
    ['moved back past the cutoff', (key: string) => seeder.hset(key, encodeMarkVerified(Date.now() - 120_000))],
    ['unreadable', (key: string) => seeder.hset(key, { [MARK_FIELDS.verifiedTsMs]: '17330x' })],
    ['removed', (key: string) => seeder.hdel(key, MARK_FIELDS.verifiedTsMs)],
  ])('rejects as stale, never on the fresh copy, when the verification time is %s', async (_, change) => {
    // Prepare: received 2 min ago, verified now: fresh only through its verification (1 min max age).
    const id = account({ mark_max_age_ms: 60_000 });
    await freshMark(Date.now() - 120_000, Date.now());
    expect(await decide(buy(id))).toMatchObject({ decision: 'accept', trips: 2 });

    // Act
    await change(REDIS_KEYS.mark('BTC/USD'));
    const decided = await decide(buy(id));

    // Assess: the commit refused the copy (its verification was fresh), the rules saw the store's.
    expect(decided).toMatchObject({ decision: 'reject', trips: 2 });
    expect(decided.codes).toContain('MARKET_DATA_STALE');
  });

  it('decides in one trip across the account feed heartbeat, and rejects when it stopped or is unreadable', async () => {
    // Prepare: an instance that requires the account's private feed (5 s max age), feed live.
    const id = account();
    const feedKey = REDIS_KEYS.accountFeed(id);
    const heartbeat = (atMs: number) =>
      seeder.hset(feedKey, {
        [ACCOUNT_FEED_FIELDS.updatedMs]: String(atMs),
        [ACCOUNT_FEED_FIELDS.lastMessageMs]: String(atMs),
      });
    await seeder.hset(
      feedKey,
      encodeAccountFeed({
        state: 'live',
        reason: 'subscribed',
        sinceMs: Date.now() - 60_000,
        lastMessageMs: Date.now(),
        updatedMs: Date.now(),
      }),
    );
    const feed = await feedRequiredApi();
    try {
      expect(await feed.decide(buy(id))).toMatchObject({ decision: 'accept', trips: 2 });

      // Act
      await heartbeat(Date.now());
      const beat = await feed.decide(buy(id));
      await heartbeat(Date.now() - 10_000); // the writer's last word 10 s ago: beyond 5 s
      const stopped = await feed.decide(buy(id));
      await seeder.hset(feedKey, { [ACCOUNT_FEED_FIELDS.updatedMs]: 'now' });
      const unreadable = await feed.decide(buy(id));

      // Assess
      expect(beat).toMatchObject({ decision: 'accept', trips: 1 });
      expect(stopped).toMatchObject({ decision: 'reject', trips: 2, codes: ['ACCOUNT_FEED_UNAVAILABLE'] });
      expect(unreadable).toMatchObject({ decision: 'reject', trips: 2, codes: ['ACCOUNT_FEED_UNAVAILABLE'] });
    } finally {
      await feed.close();
    }
  });
});
