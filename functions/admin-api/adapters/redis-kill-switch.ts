import type { Redis } from 'ioredis';
import type { Approval, KillScope } from '../../../shared/domain/controls/kill-switch.js';
import { REDIS_KEYS } from '../../../shared/names.js';
import type { KillSwitchState, KillSwitchStore } from '../ports.js';

/** Kill switch state in the hashes the risk API's load script reads (REDIS_KEYS.killSwitch*). */
export function killSwitchKey(scope: KillScope, target: string): string {
  if (scope === 'global') return REDIS_KEYS.killSwitchGlobal;
  if (scope === 'account') return REDIS_KEYS.killSwitchAccount(target);
  return REDIS_KEYS.killSwitchSymbol(target);
}

export class RedisKillSwitchStore implements KillSwitchStore {
  constructor(private readonly redis: Redis) {}

  async engage(state: KillSwitchState): Promise<void> {
    await this.redis
      .multi()
      .hset(killSwitchKey(state.scope, state.target), {
        engaged: '1',
        scope: state.scope,
        target: state.target,
        reason: state.reason,
        actor: state.actor,
        since_ms: String(state.sinceMs),
        allow_reduce_only: state.allowReduceOnly ? '1' : '0',
        event_id: state.eventId,
      })
      // A new engage restarts any release in progress.
      .del(REDIS_KEYS.killSwitchRelease(state.scope, state.target))
      .exec();
  }

  async get(scope: KillScope, target: string): Promise<KillSwitchState | null> {
    return parseState(await this.redis.hgetall(killSwitchKey(scope, target)));
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
      .map(([, value]) => parseState(value as Record<string, string>))
      .filter((s): s is KillSwitchState => s !== null);
  }

  async approvals(scope: KillScope, target: string): Promise<Approval[]> {
    const entries = await this.redis.hgetall(REDIS_KEYS.killSwitchRelease(scope, target));
    return Object.entries(entries).map(([actor, atMs]) => ({ actor, atMs: Number(atMs) }));
  }

  async addApproval(scope: KillScope, target: string, approval: Approval, windowMs: number): Promise<void> {
    const key = REDIS_KEYS.killSwitchRelease(scope, target);
    await this.redis.multi().hset(key, approval.actor, String(approval.atMs)).pexpire(key, windowMs).exec();
  }

  async release(scope: KillScope, target: string): Promise<void> {
    await this.redis.del(killSwitchKey(scope, target), REDIS_KEYS.killSwitchRelease(scope, target));
  }
}

function parseState(fields: Record<string, string>): KillSwitchState | null {
  if (fields.engaged !== '1') return null;
  return {
    scope: fields.scope as KillScope,
    target: fields.target ?? '*',
    engaged: true,
    reason: fields.reason ?? '',
    actor: fields.actor ?? '',
    sinceMs: Number(fields.since_ms ?? 0),
    allowReduceOnly: fields.allow_reduce_only === '1',
    eventId: fields.event_id ?? '',
  };
}
