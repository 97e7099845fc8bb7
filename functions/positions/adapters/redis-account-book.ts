import type { Redis } from 'ioredis';
import {
  ACCOUNT_BOOK_FIELDS,
  type AccountBookOp,
  compareAndSetAccountBook,
  decodeAccountBook,
  deleteReservationOp,
  deleteWorkingOrderOp,
  encodeWorkingOrder,
  setWorkingOrderOp,
} from '../../../shared/adapters/redis/account-book-hash.js';
import type { Reservation } from '../../../shared/domain/risk/exposure.js';
import { REDIS_KEYS } from '../../../shared/names.js';
import type { AccountBookPort, WorkingOrdersSnapshot } from '../ports.js';

/** The book kept moving under the mirror (the risk API writing reservations) past every retry. */
export class AccountBookConflictError extends Error {
  override readonly name = 'AccountBookConflictError';
}

/**
 * The writes that make the book agree with the snapshot: every working order (and tombstone)
 * set to its stored value, an order field the snapshot no longer has (pruned, or unreadable)
 * deleted, and every reservation the snapshot released under the same decision deleted.
 * Reservations the snapshot knows nothing of (accepted since) are left alone. No writes
 * when the book already agrees, so a redelivered batch writes nothing.
 */
export function bookMirrorOps(fields: Record<string, string>, snapshot: WorkingOrdersSnapshot): AccountBookOp[] {
  const ops: AccountBookOp[] = [];
  const wanted = new Map(snapshot.orders.map((o) => [setWorkingOrderOp(o).field, o]));
  for (const [field, order] of wanted) {
    if (fields[field] !== encodeWorkingOrder(order)) ops.push(setWorkingOrderOp(order));
  }
  for (const field of Object.keys(fields)) {
    if (field.startsWith(ACCOUNT_BOOK_FIELDS.orderPrefix) && !wanted.has(field)) {
      ops.push(deleteWorkingOrderOp(field.slice(ACCOUNT_BOOK_FIELDS.orderPrefix.length)));
    }
  }
  const { book } = decodeAccountBook(snapshot.accountId, fields);
  for (const reservation of book.reservations.values()) {
    if (snapshot.released.get(reservation.orderId)?.has(reservation.decisionId)) {
      ops.push(deleteReservationOp(reservation.orderId));
    }
  }
  return ops;
}

/**
 * The account book hash in Redis, written only through the codec's compare-and-set: the
 * risk API writes reservations into the same hash between our read and our write, and a
 * moved version makes us read and diff again rather than overwrite its accept.
 */
export class RedisAccountBook implements AccountBookPort {
  constructor(
    private readonly redis: Redis,
    private readonly maxAttempts = 8,
  ) {}

  async reservations(accountId: string): Promise<ReadonlyMap<string, Reservation>> {
    const fields = await this.redis.hgetall(REDIS_KEYS.accountBook(accountId));
    return decodeAccountBook(accountId, fields).book.reservations;
  }

  async mirror(snapshot: WorkingOrdersSnapshot): Promise<void> {
    const key = REDIS_KEYS.accountBook(snapshot.accountId);
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const fields = await this.redis.hgetall(key);
      const ops = bookMirrorOps(fields, snapshot);
      if (ops.length === 0) return;
      const { version } = decodeAccountBook(snapshot.accountId, fields);
      const result = await compareAndSetAccountBook(this.redis, key, version, ops);
      if (result.applied) return;
    }
    throw new AccountBookConflictError(
      `account book of ${snapshot.accountId} moved on each of ${this.maxAttempts} attempts to mirror it`,
    );
  }
}
