import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PostgresStateGenerations } from '../../shared/adapters/postgres/state-generation.js';
import {
  decodeAccountBook,
  reservationField,
  workingOrderField,
} from '../../shared/adapters/redis/account-book-hash.js';
import { decodeBalances } from '../../shared/adapters/redis/balances-hash.js';
import { decodeBreaker } from '../../shared/adapters/redis/breaker-hash.js';
import { createRedisClient } from '../../shared/adapters/redis/client.js';
import { decodeInstrument } from '../../shared/adapters/redis/instruments-hash.js';
import { decodeKillSwitch, encodeKillSwitch } from '../../shared/adapters/redis/kill-switch-hash.js';
import { decodeStateEpoch } from '../../shared/adapters/redis/state-epoch.js';
import { REDIS_KEYS, TABLES } from '../../shared/names.js';
import { databaseUrl, local, localStoreEnv } from '../../test/local-env.js';
import { SEED_INSTRUMENTS, seedPostgres } from '../../test/support/seed.js';
import { createStateRebuildApp, type StateRebuildApp } from './app.js';
import { stateRebuildConfigSchema } from './config.js';

/**
 * The rebuild against real PostgreSQL and Redis: every kind of state it restores (kill
 * switches from the log, tripped breakers from their events, instruments, universe,
 * positions, daily counters, open working orders and balances), what it must never relax,
 * and the epoch written last.
 * The durable state it writes is what every later rebuild in this database restores, so it
 * names accounts and symbols no other test trades, and the universe is the seed's.
 */
let redis: Redis;
let pool: pg.Pool;
let app: StateRebuildApp;
const run = randomUUID().slice(0, 8);
const ACCOUNT = `rebuild-${run}`;
const HALTED = 'RBLD/USD';
const CALM = 'RBLE/USD';
const ids = {
  accountEngage: randomUUID(),
  releasedEngage: randomUUID(),
  symbolEngage: randomUUID(),
  oldSnapshotEngage: randomUUID(),
  unloggedEngage: randomUUID(),
};

async function log(eventId: string, scope: string, target: string, action: string, details = {}): Promise<void> {
  await pool.query(
    `INSERT INTO ${TABLES.killSwitchLog} (event_id, scope, target, action, reason, actor, details)
     VALUES ($1, $2, $3, $4, 'drill', 'alice', $5)`,
    [eventId, scope, target, action, JSON.stringify(details)],
  );
}

async function breakerEvent(symbol: string, cause: string, tripped: boolean, atIso: string): Promise<void> {
  await pool.query(
    `INSERT INTO ${TABLES.breakerEvents} (symbol, cause, tripped, reason, measured, threshold, source_id, config_version, occurred_at)
     VALUES ($1, $2, $3, $4, '1', '1', $5, 1, $6)`,
    [
      symbol,
      cause,
      tripped,
      `${cause} ${tripped ? 'tripped' : 'cleared'}`,
      `${run}-${symbol}-${cause}-${atIso}`,
      atIso,
    ],
  );
}

beforeAll(async () => {
  redis = createRedisClient({ host: local.redisHost, port: local.redisPort, db: local.testRedisDb, tls: false });
  await redis.connect();
  pool = new pg.Pool({ connectionString: databaseUrl() });
  await seedPostgres(pool);
  app = await createStateRebuildApp(
    stateRebuildConfigSchema.parse({ ...localStoreEnv('stateRebuild'), STATE_EPOCH_GRACE_MS: '1' }),
  );

  // The durable state: an account switch engaged; another engaged then released; a symbol
  // switch engaged without the reduce-only allowance.
  await log(ids.accountEngage, 'account', ACCOUNT, 'engage', { allow_reduce_only: true });
  await log(ids.releasedEngage, 'account', `released-${run}`, 'engage', { allow_reduce_only: true });
  await log(ids.releasedEngage, 'account', `released-${run}`, 'release_approval');
  await log(ids.releasedEngage, 'account', `released-${run}`, 'release');
  await log(ids.symbolEngage, 'symbol', HALTED, 'engage', { allow_reduce_only: false });
  // An engagement an old snapshot still holds, released since.
  await log(ids.oldSnapshotEngage, 'account', `old-${run}`, 'engage');
  await log(ids.oldSnapshotEngage, 'account', `old-${run}`, 'release');
  // Breakers: one symbol's volatility tripped (latest); another's spread tripped then
  // cleared; a manual reset row.
  await breakerEvent(HALTED, 'volatility', true, '2026-01-01T00:00:00Z');
  await breakerEvent(CALM, 'spread', true, '2026-01-01T00:00:00Z');
  await breakerEvent(CALM, 'spread', false, '2026-01-01T00:01:00Z');
  await breakerEvent(CALM, 'manual', false, '2026-01-01T00:02:00Z');
  await pool.query(`INSERT INTO ${TABLES.universeVersions} (symbols, source) VALUES ($1, '{}')`, [
    SEED_INSTRUMENTS.map((i) => i.symbol),
  ]);
  await pool.query(
    `INSERT INTO ${TABLES.positions} (account_id, symbol, qty, avg_entry, realised_pnl, fees, last_fill_id)
     VALUES ($1, 'BTC/USD', 0.25000000, 64000, 0, 0, 'f1'), ($1, 'ETH/USD', 0, 3000, 10, 1, 'f2')`,
    [ACCOUNT],
  );
  await pool.query(
    `INSERT INTO ${TABLES.dailyPnl} (account_id, trading_day, realised_pnl, fees)
     VALUES ($1, '2026-03-01', -100.5, 2), ($1, '2026-03-02', -42.25, 1.5)`,
    [ACCOUNT],
  );
  // Working orders as the positions consumer keeps them: one open limit (partly filled), one
  // open stop, and the tombstone of a closed one (which must not come back as exposure).
  await pool.query(
    `INSERT INTO ${TABLES.workingOrders}
       (account_id, kraken_order_id, cl_ord_id, symbol, side, order_type, order_qty, cum_qty, filled_qty,
        limit_price, trigger_price, reduce_only, closed_at_ms)
     VALUES ($1, $2, 'cl-open', 'BTC/USD', 'buy', 'limit', 0.50000000, 0.1, 0.1, 60000.10, NULL, false, NULL),
            ($1, $3, NULL, 'ETH/USD', 'sell', 'stop-loss', 2, 0, 0, NULL, 2900, true, NULL),
            ($1, $4, 'cl-done', 'BTC/USD', 'sell', 'limit', 1, 1, 1, 65000, NULL, false, 1767225600000)`,
    [ACCOUNT, `OPEN-${run}`, `STOP-${run}`, `DONE-${run}`],
  );
  await pool.query(
    `INSERT INTO ${TABLES.accountBalances} (account_id, asset, balance, occurred_at)
     VALUES ($1, 'USD', 12500.50, now()), ($1, 'BTC', 0.25000000, now())`,
    [ACCOUNT],
  );
});

afterAll(async () => {
  await app.close();
  redis.disconnect();
  await pool.end();
});

beforeEach(async () => {
  await redis.flushdb();
});

describe('Function: rebuildState over Aurora (PostgreSQL) and Redis', () => {
  it('restores every kind of state from an empty cache, then writes the epoch at the durable generation', async () => {
    // Act
    const outcome = await app.run();

    // Assess: kill switches
    expect(outcome).toMatchObject({ action: 'rebuilt', trigger: 'missing' });
    expect(decodeKillSwitch(await redis.hgetall(REDIS_KEYS.killSwitchAccount(ACCOUNT)))).toMatchObject({
      scope: 'account',
      eventId: ids.accountEngage,
      allowReduceOnly: true,
    });
    expect(decodeKillSwitch(await redis.hgetall(REDIS_KEYS.killSwitchSymbol(HALTED)))).toMatchObject({
      eventId: ids.symbolEngage,
      allowReduceOnly: false,
    });
    expect(await redis.exists(REDIS_KEYS.killSwitchAccount(`released-${run}`))).toBe(0);
    // Breakers: the latest event per cause decides
    expect(decodeBreaker(await redis.hgetall(REDIS_KEYS.breaker(HALTED)))).toMatchObject({
      tripped: true,
      causes: new Set(['volatility']),
    });
    expect(decodeBreaker(await redis.hgetall(REDIS_KEYS.breaker(CALM))).tripped).toBe(false);
    // Instruments, universe
    const btc = decodeInstrument('BTC/USD', await redis.hget(REDIS_KEYS.instruments, 'BTC/USD'));
    expect(btc?.priceIncrement.toString()).toBe('0.1');
    expect(btc?.status).toBe('online');
    expect((await redis.smembers(REDIS_KEYS.universe)).sort()).toEqual(SEED_INSTRUMENTS.map((i) => i.symbol).sort());
    // Positions (flat ones absent) and the latest trading day's counters
    expect(await redis.hgetall(REDIS_KEYS.positions(ACCOUNT))).toEqual({ 'BTC/USD': '0.25' });
    expect(await redis.hgetall(REDIS_KEYS.dailyCounters(ACCOUNT))).toEqual({
      date: '2026-03-02',
      realised_pnl: '-42.25',
      fees: '1.5',
    });
    // Open working orders in a fresh book (version 0 before, 1 after one compare-and-set);
    // the closed order's tombstone stays out
    const { book, version, unreadable } = decodeAccountBook(
      ACCOUNT,
      await redis.hgetall(REDIS_KEYS.accountBook(ACCOUNT)),
    );
    expect(unreadable).toEqual([]);
    expect(version).toBe(1);
    expect([...book.orders.keys()].sort()).toEqual([`OPEN-${run}`, `STOP-${run}`]);
    const open = book.orders.get(`OPEN-${run}`);
    expect(open).toMatchObject({ clOrdId: 'cl-open', side: 'buy', type: 'limit', reduceOnly: false, closedAtMs: null });
    expect(open?.orderQty.toString()).toBe('0.5');
    expect(open?.filledQty.toString()).toBe('0.1');
    expect(open?.limitPrice?.toString()).toBe('60000.1');
    const stop = book.orders.get(`STOP-${run}`);
    expect(stop).toMatchObject({ clOrdId: null, type: 'stop-loss', reduceOnly: true });
    expect(stop?.triggerPrice?.toString()).toBe('2900');
    expect(book.reservations.size).toBe(0);
    // Balances, exact
    const { balances } = decodeBalances(await redis.hgetall(REDIS_KEYS.balances(ACCOUNT)));
    expect(Object.fromEntries([...(balances ?? new Map())].map(([a, b]) => [a, b.toString()]))).toEqual({
      BTC: '0.25',
      USD: '12500.5',
    });
    // The epoch, last, at the durable generation
    const epoch = decodeStateEpoch(await redis.hgetall(REDIS_KEYS.stateEpoch));
    expect(epoch).toMatchObject({ generation: await new PostgresStateGenerations(pool).current() });
    expect(epoch?.writtenBy).toBe('rebuild:missing');
    // Counted with what other tests left in the shared database: at least this test's.
    const restored = outcome.action === 'rebuilt' ? outcome.restored : null;
    expect(restored?.breakerTrips).toBeGreaterThanOrEqual(1);
    expect(restored?.killSwitchesEngaged).toBeGreaterThanOrEqual(2);
    expect(restored?.universe).toBe(SEED_INSTRUMENTS.length);
    expect(restored?.workingOrders).toBeGreaterThanOrEqual(2);
    expect(restored?.balances).toBeGreaterThanOrEqual(1);
  });

  it('brings a book found behind back to PostgreSQL through its version, keeping the reservations it holds', async () => {
    // Prepare: a restored book then moved on: version 5, a pending reservation, an order
    // PostgreSQL does not have open (unreadable here) and the open one at an older fill
    const key = REDIS_KEYS.accountBook(ACCOUNT);
    await app.run();
    const restored = await redis.hget(key, workingOrderField(`OPEN-${run}`));
    const older = JSON.stringify({ ...JSON.parse(restored ?? '{}'), cum_qty: '0', filled_qty: '0' });
    await redis.hset(key, {
      '~v': '5',
      [reservationField('pending-1')]: '{"kept":"verbatim"}',
      [workingOrderField(`GONE-${run}`)]: '{"unreadable":true}',
      [workingOrderField(`OPEN-${run}`)]: older,
    });

    // Act
    await app.run({ force: true });

    // Assess
    const fields = await redis.hgetall(key);
    expect(fields['~v']).toBe('6');
    expect(fields[reservationField('pending-1')]).toBe('{"kept":"verbatim"}');
    expect(fields[workingOrderField(`GONE-${run}`)]).toBeUndefined();
    expect(fields[workingOrderField(`OPEN-${run}`)]).toBe(restored);
    expect(decodeAccountBook(ACCOUNT, fields).book.orders.get(`OPEN-${run}`)?.filledQty.toString()).toBe('0.1');
  });

  it('clears an engagement the log released and keeps one the log does not know (never relaxes what it cannot see)', async () => {
    // Prepare: an old snapshot's switch (released since) and an engage whose log write never landed
    const stale = {
      scope: 'account' as const,
      target: `old-${run}`,
      engaged: true,
      reason: 'drill',
      actor: 'alice',
      sinceMs: 1,
      allowReduceOnly: true,
      eventId: ids.oldSnapshotEngage,
    };
    await redis.hset(REDIS_KEYS.killSwitchAccount(`old-${run}`), encodeKillSwitch(stale));
    await redis.hset(
      REDIS_KEYS.killSwitchAccount(`unlogged-${run}`),
      encodeKillSwitch({ ...stale, target: `unlogged-${run}`, eventId: ids.unloggedEngage }),
    );

    // Act
    const outcome = await app.run();

    // Assess
    expect(outcome).toMatchObject({ action: 'rebuilt', restored: { killSwitchesCleared: 1 } });
    expect(await redis.exists(REDIS_KEYS.killSwitchAccount(`old-${run}`))).toBe(0);
    expect(await redis.hget(REDIS_KEYS.killSwitchAccount(`unlogged-${run}`), 'engaged')).toBe('1');
  });

  it('leaves a current cache alone, and rebuilds one found behind the durable generation', async () => {
    // Prepare
    await app.run();

    // Act
    const again = await app.run();
    await new PostgresStateGenerations(pool).advance('kill_switch_engage', 'a change the cache lost');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const behind = await app.run();

    // Assess
    expect(again.action).toBe('skipped');
    expect(behind).toMatchObject({ action: 'rebuilt', trigger: 'behind' });
    expect(decodeStateEpoch(await redis.hgetall(REDIS_KEYS.stateEpoch))?.generation).toBe(
      await new PostgresStateGenerations(pool).current(),
    );
  });
});
