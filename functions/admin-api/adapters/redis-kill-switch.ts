import type { Redis } from 'ioredis';
import {
  decodeApprovals,
  decodeKillSwitch,
  encodeApproval,
  encodeKillSwitch,
  killSwitchKey,
} from '../../../shared/adapters/redis/kill-switch-hash.js';
import { type ReplicaAckOptions, waitForReplicas } from '../../../shared/adapters/redis/replica-acks.js';
import type { StateEpochStore } from '../../../shared/adapters/state-epoch.js';
import type { Approval, KillScope } from '../../../shared/domain/controls/kill-switch.js';
import { REDIS_KEYS } from '../../../shared/names.js';
import type { KillSwitchState, KillSwitchStore } from '../ports.js';

export interface RedisKillSwitchStoreOptions extends ReplicaAckOptions {
  /**
   * The state epoch (shared/domain/state-epoch.ts): engage and release advance its
   * generation, and reads refuse a cache without one (StateEpochMissingError: 503), since
   * an empty cache would say "nothing engaged". Absent: neither.
   */
  readonly epoch?: StateEpochStore;
  /**
   * Told when an engage or release stands on the primary but is not yet safe from a failover
   * (fewer replica acknowledgements than asked, or the generation not advanced). Not thrown:
   * an engage must still reach its log, event and notification.
   */
  readonly onDurabilityGap?: (what: string, error: unknown) => void;
}

/**
 * Kill switch state in the hashes the risk API's load script reads, laid out by their codec
 * (shared/adapters/redis/kill-switch-hash.ts). A change is written, waited for on the
 * replicas, then recorded as a new state generation (PostgreSQL first, then the epoch).
 */
export class RedisKillSwitchStore implements KillSwitchStore {
  constructor(
    private readonly redis: Redis,
    private readonly options: RedisKillSwitchStoreOptions = {},
  ) {}

  async engage(state: KillSwitchState): Promise<void> {
    await this.redis
      .multi()
      .hset(killSwitchKey(state.scope, state.target), encodeKillSwitch(state))
      // A new engage restarts any release in progress.
      .del(REDIS_KEYS.killSwitchRelease(state.scope, state.target))
      .exec();
    await this.secure('kill_switch_engage', `${state.scope} ${state.target} ${state.eventId}`);
  }

  async get(scope: KillScope, target: string): Promise<KillSwitchState | null> {
    await this.options.epoch?.requirePresent();
    return decodeKillSwitch(await this.redis.hgetall(killSwitchKey(scope, target)), scope);
  }

  async list(): Promise<KillSwitchState[]> {
    await this.options.epoch?.requirePresent();
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
    await this.options.epoch?.requirePresent();
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
    await this.secure('kill_switch_release', `${scope} ${target}`);
  }

  /** Replicas first (the write must survive a failover), then the generation (a restore from before it is detected). */
  private async secure(cause: 'kill_switch_engage' | 'kill_switch_release', detail: string): Promise<void> {
    await waitForReplicas(this.redis, this.options).catch((error: unknown) =>
      this.options.onDurabilityGap?.(`${cause}: replicas`, error),
    );
    await this.options.epoch
      ?.advance(cause, detail)
      .catch((error: unknown) => this.options.onDurabilityGap?.(`${cause}: generation`, error));
  }
}
