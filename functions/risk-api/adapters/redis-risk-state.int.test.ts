import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient, redisConfigFromUrl } from '../../../shared/adapters/redis/client.js';
import { tradingDay } from '../../../shared/domain/positions/positions.js';
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
