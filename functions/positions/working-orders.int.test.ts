import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createKinesisClient } from '../../shared/adapters/aws-clients.js';
import { createSqsClient } from '../../shared/adapters/poison-sink.js';
import {
  compareAndSetAccountBook,
  decodeAccountBook,
  setReservationOp,
} from '../../shared/adapters/redis/account-book-hash.js';
import { decodeBalances } from '../../shared/adapters/redis/balances-hash.js';
import { createRedisClient } from '../../shared/adapters/redis/client.js';
import { Decimal } from '../../shared/domain/decimal.js';
import { remainingOf } from '../../shared/domain/executions/working-orders.js';
import type { Reservation } from '../../shared/domain/risk/exposure.js';
import { REDIS_KEYS, TABLES } from '../../shared/names.js';
import { databaseUrl, local, localStoreEnv } from '../../test/local-env.js';
import { TestQueue, TestStream } from '../../test/support/test-stream.js';
import { AccountBookConflictError, RedisAccountBook } from './adapters/redis-account-book.js';
import { createPositionsApp } from './app.js';
import { positionsConfigSchema } from './config.js';
import type { PositionsSummary } from './process-batch.js';
import { reservationOf } from './test-support/memory-ports.js';
import { orderLife } from './test-support/order-events.js';

/**
 * The positions consumer's working-order set (issue #12) over kinesis-local, real PostgreSQL
 * and Redis, and an SQS DLQ: reservations written into the account book as the risk API's
 * accept writes them (the codec's compare-and-set), order events published as the account
 * feed publishes them, and after every batch the Redis book checked against PostgreSQL.
 */
const kinesis = createKinesisClient();
const sqs = createSqsClient();
const dlq = new TestQueue(sqs);
const clock = { now: Date.parse('2026-03-02T10:05:00Z') };
let redis: Redis;
let pool: pg.Pool;
let app: Awaited<ReturnType<typeof createPositionsApp>>;
let stream: TestStream;
let account: string;
const summaries: PositionsSummary[] = [];

/** Kraken's exec ids are unique across accounts, and the fills table keys on them. */
const exec = (id: string) => `${account}-${id}`;

async function deliver(records: unknown[]) {
  await stream.put(records.map((data) => ({ key: account, data })));
  const event = await stream.poll();
  const response = await app.handle(event);
  await expectBookAgreesWithPostgres();
  return { event, response, summary: summaries.at(-1) };
}

/** What the risk API's accept does: the reservation into the book through the codec's CAS. */
async function reserve(reservation: Reservation) {
  const key = REDIS_KEYS.accountBook(account);
  const { version } = decodeAccountBook(account, await redis.hgetall(key));
  const result = await compareAndSetAccountBook(redis, key, version, [setReservationOp(reservation)]);
  expect(result.applied).toBe(true);
}

async function book() {
  return decodeAccountBook(account, await redis.hgetall(REDIS_KEYS.accountBook(account)));
}

/** The remaining (still working) quantity of an order as the risk API would read it. */
async function workingQty(krakenOrderId: string) {
  const order = (await book()).book.orders.get(krakenOrderId);
  return order ? remainingOf(order).toString() : undefined;
}

async function positionQty(symbol = 'BTC/USD') {
  const { rows } = await pool.query<{ qty: string }>(
    `SELECT qty::text FROM ${TABLES.positions} WHERE account_id = $1 AND symbol = $2`,
    [account, symbol],
  );
  const redisQty = (await redis.hget(REDIS_KEYS.positions(account), symbol)) ?? '0';
  const pgQty = rows[0] ? Decimal.parse(rows[0].qty).toString() : '0';
  expect(redisQty).toBe(pgQty);
  return pgQty;
}

/** Every working order in Redis equals its PostgreSQL row, and no order is in one only. */
async function expectBookAgreesWithPostgres() {
  const { rows } = await pool.query<{
    kraken_order_id: string;
    order_qty: string;
    cum_qty: string;
    filled_qty: string;
    closed_at_ms: string | null;
  }>(
    `SELECT kraken_order_id, order_qty::text, cum_qty::text, filled_qty::text, closed_at_ms::text
       FROM ${TABLES.workingOrders} WHERE account_id = $1 ORDER BY kraken_order_id`,
    [account],
  );
  const decoded = await book();
  expect(decoded.unreadable).toEqual([]);
  const inRedis = [...decoded.book.orders.values()]
    .sort((a, b) => a.krakenOrderId.localeCompare(b.krakenOrderId))
    .map((o) => [o.krakenOrderId, o.orderQty.toString(), o.cumQty.toString(), o.filledQty.toString(), o.closedAtMs]);
  const inPostgres = rows.map((r) => [
    r.kraken_order_id,
    Decimal.parse(r.order_qty).toString(),
    Decimal.parse(r.cum_qty).toString(),
    Decimal.parse(r.filled_qty).toString(),
    r.closed_at_ms === null ? null : Number(r.closed_at_ms),
  ]);
  expect(inRedis).toEqual(inPostgres);
}

async function releases() {
  const { rows } = await pool.query<{ reservation_id: string; outcome: string; kraken_order_id: string | null }>(
    `SELECT reservation_id, outcome, kraken_order_id FROM ${TABLES.reservationReleases}
      WHERE account_id = $1 ORDER BY released_at_ms, reservation_id`,
    [account],
  );
  return rows.map((r) => [r.reservation_id, r.outcome, r.kraken_order_id]);
}

beforeAll(async () => {
  redis = createRedisClient({ host: local.redisHost, port: local.redisPort, db: local.testRedisDb, tls: false });
  await redis.connect();
  pool = new pg.Pool({ connectionString: databaseUrl() });
  await dlq.create();
  app = await createPositionsApp(
    positionsConfigSchema.parse({ ...localStoreEnv('positions'), DLQ_URL: dlq.url }),
    (summary) => summaries.push(summary),
    () => clock.now,
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
  clock.now = Date.parse('2026-03-02T10:05:00Z');
  account = `acct-${randomUUID().slice(0, 8)}`;
  stream = new TestStream(kinesis);
  await stream.create();
  return () => stream.delete();
});

describe('working orders over kinesis-local, PostgreSQL and Redis', () => {
  it('reservation -> acknowledged -> partially filled -> filled: the position moves once and nothing stays working', async () => {
    // Prepare
    await reserve(reservationOf(account, 'ord-1', { qty: '2' }));
    const life = orderLife(account, 'ord-1', 'O-1', { qty: '2', price: '100' });
    const pendingBefore = (await book()).book.reservations.size;

    // Act
    await deliver([life.acknowledged()]);
    const acknowledged = { pending: (await book()).book.reservations.size, working: await workingQty('O-1') };
    await deliver([life.trade(exec('T1'), '0.5', '0.5')]);
    const partial = { working: await workingQty('O-1'), position: await positionQty() };
    await deliver([life.trade(exec('T2'), '1.5', '2'), life.filled('2')]);

    // Assess
    expect(pendingBefore).toBe(1);
    expect(acknowledged).toEqual({ pending: 0, working: '2' });
    expect(partial).toEqual({ working: '1.5', position: '0.5' });
    expect(await workingQty('O-1')).toBe('0');
    expect(await positionQty()).toBe('2');
    expect(await releases()).toEqual([['ord-1', 'acknowledged', 'O-1']]);
  });

  it('changes the position once when a fill is delivered twice', async () => {
    // Prepare
    await reserve(reservationOf(account, 'ord-1', { qty: '1' }));
    const life = orderLife(account, 'ord-1', 'O-1', { qty: '1', price: '100' });
    const trade = life.trade(exec('T1'), '0.4', '0.4');
    await deliver([life.acknowledged(), trade]);

    // Act
    const { summary } = await deliver([trade, trade]);

    // Assess
    expect(summary).toMatchObject({ applied: 0, orderEventsDuplicate: 2 });
    expect(await positionQty()).toBe('0.4');
    expect(await workingQty('O-1')).toBe('0.6');
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM ${TABLES.fills} WHERE account_id = $1`, [
      account,
    ]);
    expect(rows[0].n).toBe(1);
  });

  it.each([
    ['canceled', (life: ReturnType<typeof orderLife>) => life.canceled('0.25')],
    ['expired', (life: ReturnType<typeof orderLife>) => life.expired('0.25')],
  ])('frees exactly the unfilled remainder when Kraken reports the order %s', async (_type, terminal) => {
    // Prepare
    await reserve(reservationOf(account, 'ord-1', { qty: '1' }));
    const life = orderLife(account, 'ord-1', 'O-1', { qty: '1', price: '100' });
    await deliver([life.acknowledged(), life.trade(exec('T1'), '0.25', '0.25')]);
    const before = await workingQty('O-1');

    // Act
    const { summary } = await deliver([terminal(life)]);

    // Assess
    expect(before).toBe('0.75');
    expect(summary).toMatchObject({ released: 1 });
    expect(await workingQty('O-1')).toBe('0');
    expect(await positionQty()).toBe('0.25');
  });

  it('frees the whole reservation of an order Kraken rejected', async () => {
    // Prepare
    await reserve(reservationOf(account, 'ord-1', { qty: '3' }));
    await reserve(reservationOf(account, 'ord-2', { qty: '1' }));
    const life = orderLife(account, 'ord-1', 'O-1', { qty: '3', price: '100' });

    // Act
    const { summary } = await deliver([life.rejected()]);

    // Assess
    expect(summary).toMatchObject({ released: 1 });
    expect([...(await book()).book.reservations.keys()]).toEqual(['ord-2']);
    expect(await workingQty('O-1')).toBe('0');
  });

  it('keeps a working order counted when Kraken refuses its amend, freeing only the amend reservation', async () => {
    // Prepare
    await reserve(reservationOf(account, 'ord-1', { qty: '1' }));
    const life = orderLife(account, 'ord-1', 'O-1', { qty: '1', price: '100' });
    await deliver([life.acknowledged()]);
    await reserve(reservationOf(account, 'ord-1#amend', { qty: '3' }));

    // Act
    const { summary } = await deliver([life.rejected()]);

    // Assess
    expect(summary).toMatchObject({ released: 0 });
    expect(await workingQty('O-1')).toBe('1');
    expect((await book()).book.reservations.size).toBe(0);
  });

  it('expires a reservation nobody acknowledged: audited once, removed from the book, newer ones kept', async () => {
    // Prepare
    await reserve(reservationOf(account, 'ord-old', { expiresAtMs: clock.now + 30_000 }));
    await reserve(reservationOf(account, 'ord-new', { expiresAtMs: clock.now + 120_000 }));
    clock.now += 30_000;
    const balance = {
      kind: 'balance',
      event_id: 'b-1',
      account_id: account,
      asset: 'USD',
      balance: '1000',
      occurred_at: '2026-03-02T10:00:00Z',
    };

    // Act
    const first = await deliver([balance]);
    const second = await deliver([balance]);

    // Assess
    expect([first.summary?.reservationsExpired, second.summary?.reservationsExpired]).toEqual([1, 0]);
    expect([...(await book()).book.reservations.keys()]).toEqual(['ord-new']);
    expect(await releases()).toEqual([['ord-old', 'expired', null]]);
  });

  it('leaves the Redis book and the positions unchanged when a batch is redelivered whole', async () => {
    // Prepare
    await reserve(reservationOf(account, 'ord-1', { qty: '2' }));
    const life = orderLife(account, 'ord-1', 'O-1', { qty: '2', price: '100' });
    const { event } = await deliver([
      life.acknowledged(),
      life.trade(exec('T1'), '1', '1'),
      life.canceled('1'),
      orderLife(account, null, 'O-2', { qty: '1', price: '90' }).acknowledged(),
    ]);
    const before = {
      book: await redis.hgetall(REDIS_KEYS.accountBook(account)),
      positions: await redis.hgetall(REDIS_KEYS.positions(account)),
      daily: await redis.hgetall(REDIS_KEYS.dailyCounters(account)),
    };

    // Act
    const response = await app.handle(event);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(summaries.at(-1)).toMatchObject({ applied: 0, orderEvents: 0, orderEventsDuplicate: 4 });
    expect({
      book: await redis.hgetall(REDIS_KEYS.accountBook(account)),
      positions: await redis.hgetall(REDIS_KEYS.positions(account)),
      daily: await redis.hgetall(REDIS_KEYS.dailyCounters(account)),
    }).toEqual(before);
    expect(before.book['~v']).toBeDefined();
    await expectBookAgreesWithPostgres();
  });

  it('tracks and counts an order placed without a reservation', async () => {
    // Prepare
    const unvetted = orderLife(account, null, 'O-9', { qty: '5', price: '100' });

    // Act
    const { summary } = await deliver([unvetted.acknowledged()]);

    // Assess
    expect(summary).toMatchObject({ unreserved: 1, acknowledged: 0 });
    expect(await workingQty('O-9')).toBe('5');
  });

  it('writes the newest balance per asset to the balances hash, whatever order redelivery brings', async () => {
    // Prepare
    const balance = (asset: string, value: string, at: string) => ({
      kind: 'balance',
      event_id: `b-${asset}-${at}`,
      account_id: account,
      asset,
      balance: value,
      occurred_at: at,
    });

    // Act
    await deliver([
      balance('USD', '1000.5', '2026-03-02T10:00:01Z'),
      balance('BTC', '0.25', '2026-03-02T10:00:01Z'),
      balance('USD', '900', '2026-03-02T10:00:00Z'),
    ]);

    // Assess
    const decoded = decodeBalances(await redis.hgetall(REDIS_KEYS.balances(account)));
    expect([...(decoded.balances ?? [])].map(([asset, b]) => [asset, b.toString()])).toEqual([
      ['BTC', '0.25'],
      ['USD', '1000.5'],
    ]);
  });

  it('parks poison records in the DLQ (amounts Decimal cannot parse included) and applies the rest', async () => {
    // Prepare
    await dlq.drain();
    const life = orderLife(account, null, 'O-1', { qty: '1', price: '100' });
    const legacyFill = {
      fill_id: `f-${randomUUID()}`,
      account_id: account,
      symbol: 'BTC/USD',
      side: 'buy',
      qty: '1e3',
      price: '100',
      executed_at: '2026-03-02T10:00:00Z',
    };

    // Act
    const { response } = await deliver([legacyFill, { ...life.acknowledged(), order_qty: '1e3' }, life.acknowledged()]);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const parked = await dlq.drain();
    expect(parked.map((p) => (p.body as { reason: string }).reason).sort()).toEqual([
      expect.stringMatching(/^not a fill: qty/),
      expect.stringMatching(/^not an order event: order_qty/),
    ]);
    expect(await workingQty('O-1')).toBe('1');
  });
});

describe('Class: RedisAccountBook', () => {
  it('keeps a reservation the risk API writes between its read and its write (compare-and-set, re-read)', async () => {
    // Prepare
    await reserve(reservationOf(account, 'ord-1', { qty: '1' }));
    const snapshot = {
      accountId: account,
      orders: [
        {
          krakenOrderId: 'O-1',
          clOrdId: 'ord-1',
          symbol: 'BTC/USD',
          side: 'buy' as const,
          type: 'limit' as const,
          orderQty: Decimal.parse('1'),
          cumQty: Decimal.ZERO,
          filledQty: Decimal.ZERO,
          limitPrice: Decimal.parse('100'),
          reduceOnly: false,
          closedAtMs: null,
        },
      ],
      released: new Map([['ord-1', new Set(['d-ord-1'])]]),
    };
    let interleaved = false;
    // The risk API accepts another order right after the mirror read the book.
    const racing = new Proxy(redis, {
      get(target, prop) {
        if (prop === 'hgetall') {
          return async (key: string) => {
            const fields = await target.hgetall(key);
            if (!interleaved) {
              interleaved = true;
              await reserve(reservationOf(account, 'ord-2', { qty: '7' }));
            }
            return fields;
          };
        }
        const value = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });

    // Act
    await new RedisAccountBook(racing).mirror(snapshot);

    // Assess
    const decoded = await book();
    expect(interleaved).toBe(true);
    expect([...decoded.book.reservations.keys()]).toEqual(['ord-2']);
    expect([...decoded.book.orders.keys()]).toEqual(['O-1']);
    // ord-1 (1), ord-2 (2), the mirror's one write after its refused first attempt (3).
    expect(decoded.version).toBe(3);
  });

  it('gives up with a named error rather than overwrite a book that keeps moving', async () => {
    // Prepare
    const snapshot = { accountId: account, orders: [], released: new Map([['ord-1', new Set(['d-ord-1'])]]) };
    await reserve(reservationOf(account, 'ord-1'));
    let n = 0;
    const busy = new Proxy(redis, {
      get(target, prop) {
        if (prop === 'hgetall') {
          return async (key: string) => {
            const fields = await target.hgetall(key);
            await reserve(reservationOf(account, `other-${n++}`));
            return fields;
          };
        }
        const value = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });

    // Act
    const mirror = new RedisAccountBook(busy, 3).mirror(snapshot);

    // Assess
    await expect(mirror).rejects.toThrow(AccountBookConflictError);
    expect((await book()).book.reservations.has('ord-1')).toBe(true);
  });
});
