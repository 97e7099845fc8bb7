import type { Redis } from 'ioredis';
import { decodeAccountBook } from '../../../shared/adapters/redis/account-book-hash.js';
import { MARK_FIELDS } from '../../../shared/adapters/redis/mark-hash.js';
import { Decimal } from '../../../shared/domain/decimal.js';
import { StateUnavailableError } from '../../../shared/domain/errors.js';
import { openOrdersOf } from '../../../shared/domain/executions/working-orders.js';
import type { ExposureSnapshot, ExposureSource } from '../../../shared/domain/risk/exposure-view.js';
import { REDIS_KEYS } from '../../../shared/names.js';

/**
 * An account's exposure snapshot for the console, read from the keys and codecs the risk API
 * measures with (positions, the account book, mark mids). Like the risk API's read, anything
 * unreadable fails the read instead of showing as zero exposure.
 */
export class RedisExposureSource implements ExposureSource {
  constructor(private readonly redis: Redis) {}

  async load(accountId: string, nowMs: number): Promise<ExposureSnapshot> {
    const [positionFields, bookFields] = await Promise.all([
      this.redis.hgetall(REDIS_KEYS.positions(accountId)),
      this.redis.hgetall(REDIS_KEYS.accountBook(accountId)),
    ]);
    const positions = new Map<string, Decimal>();
    for (const [symbol, qty] of Object.entries(positionFields)) {
      const value = Decimal.tryParse(qty);
      if (!value) throw new StateUnavailableError(`position ${symbol} unreadable`);
      positions.set(symbol, value);
    }
    const book = decodeAccountBook(accountId, bookFields);
    if (book.unreadable.length > 0) {
      throw new StateUnavailableError(`account book unreadable: ${book.unreadable.join(', ')}`);
    }
    const openOrders = openOrdersOf(book.book, nowMs);
    const symbols = [...new Set([...positions.keys(), ...openOrders.keys()])];
    const mids = symbols.length
      ? await this.redis.pipeline(symbols.map((s) => ['hget', REDIS_KEYS.mark(s), MARK_FIELDS.mid])).exec()
      : [];
    const marks = new Map<string, Decimal>();
    symbols.forEach((symbol, i) => {
      const mid = mids?.[i]?.[1];
      const value = typeof mid === 'string' ? Decimal.tryParse(mid) : undefined;
      if (value) marks.set(symbol, value);
    });
    return { positions, openOrders, marks };
  }
}
