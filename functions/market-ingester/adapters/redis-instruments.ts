import type { Redis } from 'ioredis';
import { encodeInstrument } from '../../../shared/adapters/redis/instruments-hash.js';
import type { InstrumentPair } from '../../../shared/domain/market/kraken-v2.js';
import { REDIS_KEYS } from '../../../shared/names.js';
import type { InstrumentTarget } from '../ports.js';

/**
 * The instruments hash the risk API reads, written through its codec. An unreadable pair is
 * removed rather than left at its last good value: the risk API then rejects it as
 * INSTRUMENT_UNKNOWN instead of trading on a status Kraken may have changed.
 */
export class RedisInstrumentTarget implements InstrumentTarget {
  readonly name = 'redis';

  constructor(private readonly redis: Redis) {}

  async write(pairs: readonly InstrumentPair[], unreadable: readonly string[]): Promise<void> {
    const pipeline = this.redis.pipeline();
    if (pairs.length > 0) {
      pipeline.hset(REDIS_KEYS.instruments, Object.fromEntries(pairs.map((p) => [p.symbol, encodeInstrument(p)])));
    }
    if (unreadable.length > 0) pipeline.hdel(REDIS_KEYS.instruments, ...unreadable);
    const results = await pipeline.exec();
    const failed = results?.find(([error]) => error);
    if (!results || failed) throw failed?.[0] ?? new Error('instruments write aborted');
  }
}
