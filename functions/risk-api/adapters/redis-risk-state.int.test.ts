import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT_FEED_FIELDS, encodeAccountFeed } from '../../../shared/adapters/redis/account-feed-hash.js';
import { createRedisClient, redisConfigFromUrl } from '../../../shared/adapters/redis/client.js';
import { MARK_FIELDS } from '../../../shared/adapters/redis/mark-hash.js';
import { encodeReferencePrice, REFERENCE_PRICE_FIELDS } from '../../../shared/adapters/redis/reference-price-hash.js';
import { tradingDay } from '../../../shared/domain/positions/positions.js';
import { type DecisionRecord, isStateMoved, type LoadQuery } from '../../../shared/domain/risk/ports.js';
import { markCurrentAtMs } from '../../../shared/domain/risk/state.js';
import { REDIS_KEYS } from '../../../shared/names.js';
import { redisUrl } from '../../../test/local-env.js';
import { writeMark } from '../../../test/risk-fixtures.js';
import { establishStateEpoch } from '../../../test/support/state-epoch.js';
import { RedisRiskStateStore } from './redis-risk-state.js';

// Which daily counters are "today's" under a trading-day boundary other than midnight UTC,
// against real Redis (the counters are written the way the positions consumer labels them).

let redis: Redis;
const account = `acct-day-${randomUUID().slice(0, 8)}`;
const BOUNDARY = 22 * 60; // TRADING_DAY_BOUNDARY_UTC=22:00
const QUIET = 'ZQUIET/USD';

beforeAll(async () => {
  redis = createRedisClient({ ...redisConfigFromUrl(redisUrl()), commandTimeoutMs: 2_000 });
  await redis.connect();
  await establishStateEpoch(redis);
});

afterAll(async () => {
  await redis.del(REDIS_KEYS.dailyCounters(account), REDIS_KEYS.orderRate(account), REDIS_KEYS.mark(QUIET));
  redis.disconnect();
});

/** What the risk API loads for one order of `account` in `symbol` at `nowMs`. */
function load(store: RedisRiskStateStore, symbol: string, nowMs: number) {
  return store.load({
    accountId: account,
    symbol,
    orderId: randomUUID(),
    nowMs,
    rateWindowMs: 1_000,
    rateMember: randomUUID(),
  });
}

async function dailyLoss(store: RedisRiskStateStore, nowIso: string): Promise<string> {
  const { state } = await load(store, 'BTC/USD', Date.parse(nowIso));
  return state.dailyRealisedPnl.toString();
}

describe('RedisRiskStateStore daily counters and the trading-day boundary', () => {
  it('counts the counters of the current trading day when the day starts at 22:00 UTC', async () => {
    // A fill at 21:00 UTC on 3 March belongs to the trading day that began 22:00 on 2 March.
    const label = tradingDay(Date.parse('2026-03-03T21:00:00Z'), BOUNDARY);
    expect(label).toBe('2026-03-02');
    await redis.hset(REDIS_KEYS.dailyCounters(account), { date: label, realised_pnl: '-2500', fees: '3' });

    const store = new RedisRiskStateStore(redis, { tradingDayBoundaryMinutes: BOUNDARY });
    expect(await dailyLoss(store, '2026-03-03T21:30:00Z')).toBe('-2500');
    // After the boundary a new day has begun: the counters are reset for the risk check.
    expect(await dailyLoss(store, '2026-03-03T22:00:01Z')).toBe('0');
  });

  it('a date after today (clocks apart at the boundary) still counts: never ignore a loss', async () => {
    await redis.hset(REDIS_KEYS.dailyCounters(account), { date: '2026-03-03', realised_pnl: '-10', fees: '0' });
    const midnight = new RedisRiskStateStore(redis);
    expect(await dailyLoss(midnight, '2026-03-02T23:59:59.900Z')).toBe('-10');
    expect(await dailyLoss(midnight, '2026-03-03T12:00:00Z')).toBe('-10');
    expect(await dailyLoss(midnight, '2026-03-04T00:00:00Z')).toBe('0');
  });
});

describe('RedisRiskStateStore marks', () => {
  it('reads when the ingester last verified a quiet book, so its age counts from then', async () => {
    const now = Date.now();
    await writeMark(redis, QUIET, '0.9999', '1.0001', now - 30_000, { verifiedTsMs: now - 150 });
    const store = new RedisRiskStateStore(redis);
    const { state } = await load(store, QUIET, now);
    expect(state.mark).toMatchObject({ receiveTsMs: now - 30_000, verifiedTsMs: now - 150 });
    expect(now - markCurrentAtMs(state.mark!)).toBe(150);

    await redis.del(REDIS_KEYS.mark(QUIET));
    await writeMark(redis, QUIET, '0.9999', '1.0001', now - 30_000); // written before verification existed
    expect((await load(store, QUIET, now)).state.mark?.verifiedTsMs).toBeUndefined();
  });
});

describe('RedisRiskStateStore freshness timestamps (checked by their cutoffs, not digested)', () => {
  const FRESH_SYMBOL = 'ZFRESH/USD';
  const feedAccount = `acct-fresh-${randomUUID().slice(0, 8)}`;

  afterAll(async () => {
    await redis.del(
      REDIS_KEYS.mark(FRESH_SYMBOL),
      REDIS_KEYS.referencePrice(FRESH_SYMBOL),
      REDIS_KEYS.accountFeed(feedAccount),
      REDIS_KEYS.orderRate(feedAccount),
    );
  });

  /** A reject with nothing to reserve: what the commit writes does not matter here, only whether it writes. */
  function rejectRecord(query: LoadQuery): DecisionRecord {
    return {
      decisionId: query.rateMember,
      decidedAt: new Date(query.nowMs).toISOString(),
      accountId: query.accountId,
      orderId: query.orderId,
      symbol: query.symbol,
      decision: 'reject',
      reasonCodes: [],
      limitsVersion: null,
      requestHash: 'h',
      request: {},
      inputs: {},
      response: { decision: 'reject' } as unknown as DecisionRecord['response'],
      latencyUs: 0,
    };
  }

  /** A load of the fresh symbol for the feed account at `nowMs`, its mark allowed 1 s of age. */
  const freshQuery = (nowMs: number, overrides: Partial<LoadQuery> = {}): LoadQuery => ({
    accountId: feedAccount,
    symbol: FRESH_SYMBOL,
    orderId: randomUUID(),
    nowMs,
    rateWindowMs: 60_000,
    rateMember: randomUUID(),
    markMaxAgeMs: 1_000,
    ...overrides,
  });

  /** Commits a reject on what `loaded` read (its snapshot): 'moved' when the state moved since. */
  const commitReject = (
    store: RedisRiskStateStore,
    query: LoadQuery,
    loaded: Awaited<ReturnType<RedisRiskStateStore['load']>>,
  ) =>
    store.commit(rejectRecord(query), 60_000, {
      query,
      ordersInWindow: loaded.state.ordersInWindow,
      ...(loaded.snapshot !== undefined ? { snapshot: loaded.snapshot } : {}),
    });

  it('commits on the state it just read whatever the timestamps hold: the script and the store see the same sides (property)', async () => {
    // The store computes each timestamp's side of its cutoff (sidesOf, TypeScript) and the
    // script computes it again (sides_of, Lua); any disagreement would send every decision on
    // such a value to 'moved' until BOOK_CONTENDED. Values around the cutoff, at 15 and 16
    // digits, and the spellings a lenient parser would take (exponent, sign, spaces, hex).
    const store = new RedisRiskStateStore(redis, { accountFeed: { required: true, maxAgeMs: 5_000 } });
    const nowMs = Date.now();
    const near = (cutoff: number) =>
      fc.oneof(
        fc.integer({ min: cutoff - 2, max: cutoff + 2 }).map(String),
        fc.constantFrom('', '0', '999999999999999', '1000000000000000', '00001', String(cutoff).padStart(16, '0')),
        fc.constantFrom(`${cutoff}.0`, ` ${cutoff}`, `${cutoff} `, `+${cutoff}`, '-5', '1e15', '0x10', 'now'),
      );
    await fc.assert(
      fc.asyncProperty(
        near(nowMs - 1_000),
        near(nowMs - 60_000),
        near(nowMs - 5_000),
        fc.boolean(),
        async (verified, referenceUpdated, feedUpdated, withVerified) => {
          // Prepare
          await redis.del(REDIS_KEYS.mark(FRESH_SYMBOL));
          await writeMark(redis, FRESH_SYMBOL, '0.9999', '1.0001', nowMs - 30_000);
          if (withVerified) await redis.hset(REDIS_KEYS.mark(FRESH_SYMBOL), MARK_FIELDS.verifiedTsMs, verified);
          await redis.hset(REDIS_KEYS.referencePrice(FRESH_SYMBOL), {
            ...encodeReferencePrice({ price: '1', updatedAtMs: 0 }),
            [REFERENCE_PRICE_FIELDS.updatedAtMs]: referenceUpdated,
          });
          await redis.hset(REDIS_KEYS.accountFeed(feedAccount), {
            ...encodeAccountFeed({ state: 'live', reason: 'ok', sinceMs: 1, lastMessageMs: nowMs, updatedMs: 0 }),
            [ACCOUNT_FEED_FIELDS.updatedMs]: feedUpdated,
          });
          const query = freshQuery(nowMs, { referenceMaxAgeMs: 60_000 });

          // Act: the commit right after the load, nothing written in between.
          const loaded = await store.load(query);
          const committed = await commitReject(store, query, loaded);

          // Assess
          expect(isStateMoved(committed)).toBe(false);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('answers moved when a checked timestamp crossed its cutoff between the load and the commit, either way', async () => {
    const store = new RedisRiskStateStore(redis);
    const nowMs = Date.now();
    const moves = async (before: number, after: number) => {
      await writeMark(redis, FRESH_SYMBOL, '0.9999', '1.0001', nowMs - 30_000, { verifiedTsMs: before });
      const q = freshQuery(nowMs);
      const loaded = await store.load(q);
      await redis.hset(REDIS_KEYS.mark(FRESH_SYMBOL), MARK_FIELDS.verifiedTsMs, String(after));
      return isStateMoved(await commitReject(store, q, loaded));
    };

    // The cutoff is nowMs - 1000: at it is fresh, one ms before it is not.
    expect(await moves(nowMs - 1_000, nowMs - 1_001)).toBe(true);
    expect(await moves(nowMs - 1_001, nowMs - 1_000)).toBe(true);
    expect(await moves(nowMs - 1_000, nowMs)).toBe(false);
    expect(await moves(nowMs - 5_000, nowMs - 1_001)).toBe(false);
  });
});
