import type { Redis } from 'ioredis';
import { causeField, decodeCauseTripped } from '../../../shared/adapters/redis/breaker-hash.js';
import { decodeMark } from '../../../shared/adapters/redis/mark-hash.js';
import { encodeReferencePrice } from '../../../shared/adapters/redis/reference-price-hash.js';
import type { Decimal } from '../../../shared/domain/decimal.js';
import { REDIS_KEYS } from '../../../shared/names.js';
import type { ReferencePriceStore, SymbolMarketView } from '../ports.js';

/** The reference-price job's Redis state: one pipeline per run writes the references and reads what the breaker needs. */
export class RedisReferencePriceStore implements ReferencePriceStore {
  constructor(private readonly redis: Redis) {}

  async notBefore(): Promise<number> {
    return Number((await this.redis.get(REDIS_KEYS.coingeckoRetryAfter)) ?? 0);
  }

  async holdOff(untilMs: number, nowMs: number): Promise<void> {
    // Expires on its own once passed, so a stale back-off never outlives its Retry-After.
    await this.redis.set(REDIS_KEYS.coingeckoRetryAfter, String(untilMs), 'PX', Math.max(1, untilMs - nowMs));
  }

  async publish(
    references: ReadonlyMap<string, { readonly price: Decimal; readonly updatedAtMs: number }>,
  ): Promise<Map<string, SymbolMarketView>> {
    const out = new Map<string, SymbolMarketView>();
    if (references.size === 0) return out;
    const pipeline = this.redis.pipeline();
    for (const [symbol, reference] of references) {
      pipeline.hset(REDIS_KEYS.referencePrice(symbol), encodeReferencePrice(reference));
      pipeline.hgetall(REDIS_KEYS.mark(symbol));
      pipeline.hget(REDIS_KEYS.breaker(symbol), causeField('deviation'));
    }
    const replies = (await pipeline.exec()) ?? [];
    const failed = replies.find(([error]) => error);
    if (failed) throw failed[0];
    [...references.keys()].forEach((symbol, i) => {
      const mark = decodeMark((replies[i * 3 + 1]?.[1] as Record<string, string> | undefined) ?? {});
      out.set(symbol, {
        mark: mark ? { mid: mark.mid, receiveTsMs: mark.receiveTsMs } : null,
        deviationTripped: decodeCauseTripped(replies[i * 3 + 2]?.[1] as string | null),
      });
    });
    return out;
  }
}
