import type { Redis } from 'ioredis';
import { decodeBreaker } from '../../../shared/adapters/redis/breaker-hash.js';
import { decodeFeedStatus } from '../../../shared/adapters/redis/feed-status-hash.js';
import { decodeMark } from '../../../shared/adapters/redis/mark-hash.js';
import { decodeReferencePrice } from '../../../shared/adapters/redis/reference-price-hash.js';
import { decodeUniverse } from '../../../shared/adapters/redis/universe-set.js';
import { markCurrentAtMs } from '../../../shared/domain/risk/state.js';
import { REDIS_KEYS } from '../../../shared/names.js';
import type { MarketOverview, MarketOverviewSource, SymbolStatus } from '../desk-reads.js';

/** A console page lists the desk's symbols, not every pair Kraken lists. */
const MAX_SYMBOLS = 100;

/**
 * The market overview from the hot state, through the same codecs the risk API decodes
 * with, so the console shows what the gate judges by. The symbols are the tradable universe,
 * or, where none is published, the instruments the ingester knows (bounded).
 */
export class RedisMarketOverview implements MarketOverviewSource {
  constructor(private readonly redis: Redis) {}

  async overview(nowMs: number): Promise<MarketOverview> {
    const [universeMembers, feedFields] = await Promise.all([
      this.redis.smembers(REDIS_KEYS.universe),
      this.redis.hgetall(REDIS_KEYS.feedStatus),
    ]);
    const universe = new Set(decodeUniverse(universeMembers));
    const symbols = universe.size > 0 ? [...universe] : (await this.redis.hkeys(REDIS_KEYS.instruments)).sort();
    const listed = symbols.slice(0, MAX_SYMBOLS);

    const pipeline = this.redis.pipeline();
    for (const symbol of listed) {
      pipeline.hgetall(REDIS_KEYS.mark(symbol));
      pipeline.hgetall(REDIS_KEYS.referencePrice(symbol));
      pipeline.hgetall(REDIS_KEYS.breaker(symbol));
    }
    const replies = (await pipeline.exec()) ?? [];
    const hash = (index: number): Record<string, string> => {
      const [error, value] = replies[index] ?? [new Error('no reply'), null];
      if (error) throw error;
      return (value ?? {}) as Record<string, string>;
    };

    const statuses = listed.map((symbol, i): SymbolStatus => {
      const mark = decodeMark(hash(i * 3));
      const reference = decodeReferencePrice(hash(i * 3 + 1));
      const breaker = decodeBreaker(hash(i * 3 + 2));
      return {
        symbol,
        mark: mark
          ? {
              bid: mark.bid.toString(),
              ask: mark.ask.toString(),
              mid: mark.mid.toString(),
              spread_bps: mark.spreadBps.toString(),
              age_ms: Math.max(0, nowMs - markCurrentAtMs(mark)),
              live: mark.live,
            }
          : null,
        reference: reference
          ? { price: reference.price.toString(), age_ms: Math.max(0, nowMs - reference.updatedAtMs) }
          : null,
        breaker: {
          state: breaker.tripped ? 'tripped' : 'clear',
          causes: [...breaker.causes].sort(),
          reason: breaker.reason ?? null,
          since: breaker.sinceMs === null ? null : new Date(breaker.sinceMs).toISOString(),
        },
        in_universe: universe.has(symbol),
      };
    });
    const feed = decodeFeedStatus(feedFields);
    return {
      as_of: new Date(nowMs).toISOString(),
      feed: feed ? { status: feed.status, reason: feed.reason, since: new Date(feed.sinceMs).toISOString() } : null,
      symbols: statuses,
    };
  }
}
