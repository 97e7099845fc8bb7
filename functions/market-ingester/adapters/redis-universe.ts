import type { Redis } from 'ioredis';
import { decodeUniverse } from '../../../shared/adapters/redis/universe-set.js';
import { REDIS_KEYS } from '../../../shared/names.js';
import type { TradedSymbolsSource } from '../ports.js';

/** The tradable universe the universe job publishes (REDIS_KEYS.universe), through its codec. */
export class RedisUniverseSource implements TradedSymbolsSource {
  constructor(private readonly redis: Redis) {}

  async symbols(): Promise<string[]> {
    return decodeUniverse(await this.redis.smembers(REDIS_KEYS.universe));
  }
}
