import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisUrl } from '../../../test/local-env.js';
import { Decimal } from '../../domain/decimal.js';
import type { Reservation } from '../../domain/risk/exposure.js';
import { REDIS_KEYS } from '../../names.js';
import {
  ACCOUNT_BOOK_FIELDS,
  compareAndSetAccountBook,
  decodeAccountBook,
  deleteReservationOp,
  setReservationOp,
} from './account-book-hash.js';
import { createRedisClient, redisConfigFromUrl } from './client.js';

let redis: Redis;
const account = `acct-book-${randomUUID().slice(0, 8)}`;
const key = REDIS_KEYS.accountBook(account);

const reservation = (orderId: string): Reservation => ({
  accountId: account,
  orderId,
  decisionId: `dec-${orderId}`,
  symbol: 'BTC/USD',
  side: 'buy',
  type: 'limit',
  qty: Decimal.parse('0.1'),
  limitPrice: Decimal.parse('64000'),
  worstPrice: Decimal.parse('64000'),
  reduceOnly: false,
  createdAtMs: 1,
  expiresAtMs: 2,
});

beforeAll(async () => {
  redis = createRedisClient({ ...redisConfigFromUrl(redisUrl()), commandTimeoutMs: 2_000 });
  await redis.connect();
});

afterAll(async () => {
  await redis.del(key);
  redis.disconnect();
});

describe('Function: compareAndSetAccountBook', () => {
  it('writes at the expected version, bumps it, and refuses a writer holding an old version', async () => {
    // Act
    const first = await compareAndSetAccountBook(redis, key, 0, [setReservationOp(reservation('a'))]);
    const stale = await compareAndSetAccountBook(redis, key, 0, [setReservationOp(reservation('b'))]);
    const second = await compareAndSetAccountBook(redis, key, 1, [
      deleteReservationOp('a'),
      setReservationOp(reservation('c')),
    ]);

    // Assess
    expect(first).toEqual({ applied: true, version: 1 });
    expect(stale).toEqual({ applied: false, currentVersion: 1 });
    expect(second).toEqual({ applied: true, version: 2 });
    const decoded = decodeAccountBook(account, await redis.hgetall(key));
    expect([...decoded.book.reservations.keys()]).toEqual(['c']);
    expect(decoded.version).toBe(2);
    expect(await redis.hget(key, ACCOUNT_BOOK_FIELDS.version)).toBe('2');
  });

  it('lets exactly one of many concurrent writers holding the same version through', async () => {
    // Prepare
    const { version } = decodeAccountBook(account, await redis.hgetall(key));

    // Act
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        compareAndSetAccountBook(redis, key, version, [setReservationOp(reservation(`race-${i}`))]),
      ),
    );

    // Assess
    expect(results.filter((r) => r.applied)).toHaveLength(1);
    const decoded = decodeAccountBook(account, await redis.hgetall(key));
    expect([...decoded.book.reservations.keys()].filter((id) => id.startsWith('race-'))).toHaveLength(1);
  });
});
