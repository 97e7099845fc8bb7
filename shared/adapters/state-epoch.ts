import type { Redis } from 'ioredis';
import {
  type EpochVerdict,
  type GenerationCause,
  judgeEpoch,
  type StateEpoch,
  StateEpochBehindError,
  StateEpochMissingError,
} from '../domain/state-epoch.js';
import { REDIS_KEYS } from '../names.js';
import type { PostgresStateGenerations } from './postgres/state-generation.js';
import { type ReplicaAckOptions, waitForReplicas } from './redis/replica-acks.js';
import { DROP_EPOCH_IF_BEHIND_LUA, decodeStateEpoch, queueEpochWrite, RAISE_EPOCH_LUA } from './redis/state-epoch.js';

type WithEpochCommands = Redis & {
  stateEpochRaise(key: string, generation: string): Promise<number>;
  stateEpochDropIfBehind(key: string, generation: string): Promise<number>;
};

export interface StateEpochStoreOptions extends ReplicaAckOptions {
  /**
   * How old a durable generation must be before a cache that has not reached it counts as
   * behind: a control change in flight has advanced PostgreSQL but not yet raised the cache.
   * @default 10000
   */
  readonly graceMs?: number;
}

/**
 * The state epoch on both sides: the cache's hash (Redis, through its codec) and the durable
 * generation (PostgreSQL). Shared by every unit that writes controls (admin API, breakers),
 * compares (market evaluator, rebuild) or restores (rebuild). See shared/domain/state-epoch.ts.
 */
export class StateEpochStore {
  private readonly redis: WithEpochCommands;

  constructor(
    redis: Redis,
    private readonly generations: PostgresStateGenerations,
    private readonly options: StateEpochStoreOptions = {},
  ) {
    const commands = redis as unknown as Partial<WithEpochCommands>;
    if (!commands.stateEpochRaise) {
      redis.defineCommand('stateEpochRaise', { numberOfKeys: 1, lua: RAISE_EPOCH_LUA });
      redis.defineCommand('stateEpochDropIfBehind', { numberOfKeys: 1, lua: DROP_EPOCH_IF_BEHIND_LUA });
    }
    this.redis = redis as unknown as WithEpochCommands;
  }

  /** The cache's epoch; null when it has none (or an unreadable one). */
  async read(): Promise<StateEpoch | null> {
    return decodeStateEpoch(await this.redis.hgetall(REDIS_KEYS.stateEpoch));
  }

  /** Throws {@link StateEpochMissingError} unless the cache holds an epoch. */
  async requirePresent(): Promise<void> {
    if (!(await this.read())) throw new StateEpochMissingError();
  }

  /**
   * Records a control change whose state the caller has ALREADY written to the cache: the
   * durable generation advances first, then the cache's epoch is raised to it (never
   * created: a cache without an epoch stays unserved until rebuilt), then replicas are
   * waited for. Returns the new durable generation.
   */
  async advance(cause: GenerationCause, detail: string): Promise<number> {
    const generation = await this.generations.advance(cause, detail);
    await this.redis.stateEpochRaise(REDIS_KEYS.stateEpoch, String(generation));
    await waitForReplicas(this.redis, this.options);
    return generation;
  }

  /**
   * Compares the cache with the durable generation settled longer ago than the grace
   * period; a cache behind it loses its epoch here (atomically: only if still behind), so
   * every reader fails closed from now until the rebuild. Returns the verdict.
   */
  async verify(): Promise<EpochVerdict> {
    const epoch = await this.read();
    if (!epoch) return { kind: 'missing' };
    const settled = await this.generations.settled(this.options.graceMs ?? 10_000);
    const verdict = judgeEpoch(epoch, settled);
    if (verdict.kind === 'behind') await this.redis.stateEpochDropIfBehind(REDIS_KEYS.stateEpoch, String(settled));
    return verdict;
  }

  /** {@link verify}, throwing the named error of a cache that must not be served. */
  async requireCurrent(): Promise<number> {
    const verdict = await this.verify();
    if (verdict.kind === 'missing') throw new StateEpochMissingError();
    if (verdict.kind === 'behind') throw new StateEpochBehindError(verdict.cacheGeneration, verdict.durableGeneration);
    return verdict.generation;
  }

  /** The highest durable generation (what a rebuild that starts now restores up to). */
  currentGeneration(): Promise<number> {
    return this.generations.current();
  }

  /** Drops the epoch: every reader fails closed until the next rebuild. */
  async drop(): Promise<void> {
    await this.redis.del(REDIS_KEYS.stateEpoch);
  }

  /** The rebuild's last step: the epoch, written whole, then replicas waited for. */
  async write(epoch: StateEpoch): Promise<void> {
    const multi = this.redis.multi();
    queueEpochWrite(multi, epoch);
    const results = await multi.exec();
    const failed = results?.find(([error]) => error);
    if (!results || failed) throw new Error(`state epoch write failed: ${failed?.[0]?.message ?? 'aborted'}`);
    await waitForReplicas(this.redis, this.options);
  }
}
