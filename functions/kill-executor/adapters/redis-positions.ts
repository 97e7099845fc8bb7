import type { Redis } from 'ioredis';
import { REDIS_KEYS } from '../../../shared/names.js';
import type { PositionMirror } from '../ports.js';

/** Reads the positions hash the positions unit mirrors into Redis (symbol -> signed quantity). */
export class RedisPositionMirror implements PositionMirror {
  constructor(private readonly redis: Redis) {}

  positionsOf(accountId: string): Promise<Record<string, string>> {
    return this.redis.hgetall(REDIS_KEYS.positions(accountId));
  }
}
