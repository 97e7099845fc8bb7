import type { Redis } from 'ioredis';
import {
  decodeApprovals,
  decodeKillSwitch,
  encodeApproval,
  encodeKillSwitch,
  killSwitchKey,
} from '../../../shared/adapters/redis/kill-switch-hash.js';
import type { Approval, KillScope } from '../../../shared/domain/controls/kill-switch.js';
import { REDIS_KEYS } from '../../../shared/names.js';
import type { KillSwitchState, KillSwitchStore } from '../ports.js';

/**
 * Kill switch state in the hashes the risk API's load script reads, laid out by their codec
 * (shared/adapters/redis/kill-switch-hash.ts).
 */
export class RedisKillSwitchStore implements KillSwitchStore {
  constructor(private readonly redis: Redis) {}

  async engage(state: KillSwitchState): Promise<void> {
    await this.redis
      .multi()
      .hset(killSwitchKey(state.scope, state.target), encodeKillSwitch(state))
      // A new engage restarts any release in progress.
      .del(REDIS_KEYS.killSwitchRelease(state.scope, state.target))
      .exec();
  }

  async get(scope: KillScope, target: string): Promise<KillSwitchState | null> {
    return decodeKillSwitch(await this.redis.hgetall(killSwitchKey(scope, target)), scope);
  }

  async list(): Promise<KillSwitchState[]> {
    const keys: string[] = [REDIS_KEYS.killSwitchGlobal];
    for (const pattern of [REDIS_KEYS.killSwitchAccount('*'), REDIS_KEYS.killSwitchSymbol('*')]) {
      let cursor = '0';
      do {
        const [next, found] = await this.redis.scan(cursor, 'MATCH', pattern.replace('{*}', '*'), 'COUNT', 500);
        cursor = next;
        keys.push(...found);
      } while (cursor !== '0');
    }
    const pipeline = this.redis.pipeline();
    for (const key of keys) pipeline.hgetall(key);
    const results = (await pipeline.exec()) ?? [];
    return results
      .map(([, value]) => decodeKillSwitch(value as Record<string, string>))
      .filter((s): s is KillSwitchState => s !== null);
  }

  async approvals(scope: KillScope, target: string): Promise<Approval[]> {
    return decodeApprovals(await this.redis.hgetall(REDIS_KEYS.killSwitchRelease(scope, target)));
  }

  async addApproval(scope: KillScope, target: string, approval: Approval, windowMs: number): Promise<void> {
    const key = REDIS_KEYS.killSwitchRelease(scope, target);
    await this.redis
      .multi()
      .hset(key, ...encodeApproval(approval))
      .pexpire(key, windowMs)
      .exec();
  }

  async release(scope: KillScope, target: string): Promise<void> {
    await this.redis.del(killSwitchKey(scope, target), REDIS_KEYS.killSwitchRelease(scope, target));
  }
}
