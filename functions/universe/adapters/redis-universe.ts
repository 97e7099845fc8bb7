import type { Redis } from 'ioredis';
import { queueUniverseSwap } from '../../../shared/adapters/redis/universe-set.js';
import type { PublishedUniverse } from '../ports.js';

/** The universe set in Redis, swapped whole through its codec. */
export class RedisPublishedUniverse implements PublishedUniverse {
  constructor(private readonly redis: Redis) {}

  async replace(symbols: readonly string[]): Promise<void> {
    const multi = this.redis.multi();
    queueUniverseSwap(multi, symbols);
    const results = await multi.exec();
    const failed = results?.find(([error]) => error);
    if (!results || failed) throw new Error(`universe publish failed: ${failed?.[0]?.message ?? 'aborted'}`);
  }
}
