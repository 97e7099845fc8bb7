import type { Redis } from 'ioredis';
import { Decimal } from '../../domain/decimal.js';
import { StateUnavailableError } from '../../domain/errors.js';
import { openOrdersOf } from '../../domain/executions/working-orders.js';
import type { ExposureSnapshot } from '../../domain/risk/exposure-view.js';
import { REDIS_KEYS } from '../../names.js';
import { decodeAccountBook } from './account-book-hash.js';
import { MARK_FIELDS } from './mark-hash.js';
import { decodePositions } from './positions-hash.js';

/** What an exposure view measures from, with the account book's version. */
export interface VersionedExposureSnapshot extends ExposureSnapshot {
  readonly bookVersion: number;
}

/**
 * An account's exposure as it stands: positions, its book and the mid of every symbol in
 * either (two round trips; a read that decides nothing). The risk API's `GET .../exposure`
 * and the admin console both read through here, so they cannot disagree. Anything unreadable,
 * and Redis not answering, is a StateUnavailableError (a 503 at the edge), never zero exposure.
 */
export async function readExposure(redis: Redis, accountId: string, nowMs: number): Promise<VersionedExposureSnapshot> {
  try {
    const [positionFields, bookFields] = await Promise.all([
      redis.hgetall(REDIS_KEYS.positions(accountId)),
      redis.hgetall(REDIS_KEYS.accountBook(accountId)),
    ]);
    const positions = decodePositions(positionFields);
    const decoded = decodeAccountBook(accountId, bookFields);
    if (decoded.unreadable.length > 0) {
      throw new StateUnavailableError(`account book unreadable: ${decoded.unreadable.join(', ')}`);
    }
    const openOrders = openOrdersOf(decoded.book, nowMs);
    const symbols = [...new Set([...positions.keys(), ...openOrders.keys()])];
    const mids = symbols.length
      ? await redis.pipeline(symbols.map((s) => ['hget', REDIS_KEYS.mark(s), MARK_FIELDS.mid])).exec()
      : [];
    const marks = new Map<string, Decimal>();
    symbols.forEach((symbol, i) => {
      const mid = mids?.[i]?.[1];
      const value = typeof mid === 'string' ? Decimal.tryParse(mid) : undefined;
      if (value) marks.set(symbol, value);
    });
    return { positions, openOrders, marks, bookVersion: decoded.version };
  } catch (error) {
    if (error instanceof StateUnavailableError) throw error;
    throw new StateUnavailableError('redis', { cause: error });
  }
}
