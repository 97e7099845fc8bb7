import type { ChainableCommander, Redis } from 'ioredis';
import type pg from 'pg';
import type { BreakerCause, BreakerTransition } from '../../domain/breakers/hysteresis.js';
import type { AuditedTransition, BreakerAudit, BreakerWriter } from '../../domain/breakers/ports.js';
import { REDIS_KEYS, TABLES } from '../../names.js';
import { decodeTrippedCauses, encodeCauseChange, RESET_LUA, SET_CAUSE_LUA } from '../redis/breaker-hash.js';
import { type ReplicaAckOptions, waitForReplicas } from '../redis/replica-acks.js';
import type { StateEpochStore } from '../state-epoch.js';

type WithBreakerCommand = {
  breakerSetCause(key: string, cause: string, tripped: string, reason: string, atMs: string): unknown;
  breakerReset(key: string, reason: string, atMs: string): Promise<string[]>;
};

declare module 'ioredis' {
  interface ChainableCommander {
    breakerSetCause(key: string, cause: string, tripped: string, reason: string, atMs: string): ChainableCommander;
  }
}

export interface RedisBreakerStoreOptions extends ReplicaAckOptions {
  /**
   * The state epoch (shared/domain/state-epoch.ts): a trip advances its generation, and an
   * operator's reset refuses a cache without one (StateEpochMissingError), since an empty
   * cache would reset nothing and the rebuild would restore the trip. Absent: neither.
   */
  readonly epoch?: StateEpochStore;
}

/**
 * Breaker writes to Redis: the hash at REDIS_KEYS.breaker(symbol), laid out and scripted by
 * its codec (shared/adapters/redis/breaker-hash.ts). A trip is waited for on the replicas and
 * recorded as a new state generation; a failure to do either throws (batch callers retry).
 */
export class RedisBreakerStore implements BreakerWriter {
  constructor(
    readonly redis: Redis,
    private readonly options: RedisBreakerStoreOptions = {},
  ) {
    if (!(redis as unknown as Partial<WithBreakerCommand>).breakerSetCause) {
      redis.defineCommand('breakerSetCause', { numberOfKeys: 1, lua: SET_CAUSE_LUA });
      redis.defineCommand('breakerReset', { numberOfKeys: 1, lua: RESET_LUA });
    }
  }

  /** Causes of a symbol's breaker that are tripped now. */
  async tripped(symbol: string): Promise<BreakerCause[]> {
    await this.options.epoch?.requirePresent();
    return [...RedisBreakerStore.trippedCauses(await this.redis.hgetall(REDIS_KEYS.breaker(symbol)))].sort();
  }

  /** Clears every cause at once (see RESET_LUA); returns the causes that were tripped. */
  async reset(symbol: string, reason: string, atMs: number): Promise<BreakerCause[]> {
    await this.options.epoch?.requirePresent();
    const redis = this.redis as unknown as WithBreakerCommand;
    const cleared = (await redis.breakerReset(REDIS_KEYS.breaker(symbol), reason, String(atMs))) as BreakerCause[];
    // Waited for, not required: a reset a failover loses leaves the breaker tripped, the safe side.
    await waitForReplicas(this.redis, this.options).catch(() => undefined);
    return cleared;
  }

  /** Queues the transitions, in order, on a MULTI/pipeline. */
  queue(chain: ChainableCommander, transitions: readonly BreakerTransition[]): void {
    for (const t of transitions) {
      chain.breakerSetCause(REDIS_KEYS.breaker(t.symbol), ...encodeCauseChange(t));
    }
  }

  async apply(transitions: readonly BreakerTransition[]): Promise<void> {
    if (transitions.length === 0) return;
    const multi = this.redis.multi();
    this.queue(multi, transitions);
    const results = await multi.exec();
    const failed = results?.find(([error]) => error);
    if (!results || failed) throw new Error(`breaker write failed: ${failed?.[0]?.message ?? 'aborted'}`);
    await this.committed(transitions);
  }

  /**
   * After transitions reached Redis (through {@link apply}, or {@link queue} on the caller's
   * own MULTI): a trip is waited for on the replicas and advances the state generation.
   */
  async committed(transitions: readonly BreakerTransition[]): Promise<void> {
    const trips = transitions.filter((t) => t.tripped);
    if (trips.length === 0) return;
    await waitForReplicas(this.redis, this.options);
    await this.options.epoch?.advance('breaker_trip', trips.map((t) => `${t.symbol} ${t.cause}`).join(', '));
  }

  /** Causes currently tripped in a breaker hash (an operator's reset clears them here first). */
  static trippedCauses(fields: Record<string, string>): Set<BreakerCause> {
    return decodeTrippedCauses(fields);
  }
}

/** The audit of every breaker change (`breaker_events`), written once per change. */
export class PostgresBreakerAudit implements BreakerAudit {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * Records an operator's reset: one row per cause it clears (so each cause's history reads
   * trip -> clear), or one `manual` row when nothing was tripped, so every reset is on record.
   */
  async recordManualReset(
    symbol: string,
    causes: readonly BreakerCause[],
    reason: string,
    resetId: string,
    atMs: number,
  ): Promise<void> {
    const rows: AuditedTransition[] = (causes.length > 0 ? causes : (['manual'] as const)).map((cause) => ({
      symbol,
      cause,
      tripped: false,
      reason,
      atMs,
      value: 'manual reset',
      threshold: '-',
      sourceId: `manual:${resetId}`,
    }));
    // Version 0: a reset does not come from a breaker_config version.
    await this.record(rows, 0);
  }

  async record(transitions: readonly AuditedTransition[], configVersion: number): Promise<void> {
    if (transitions.length === 0) return;
    await this.pool.query(
      `INSERT INTO ${TABLES.breakerEvents}
         (symbol, cause, tripped, reason, measured, threshold, source_id, config_version, occurred_at)
       SELECT s, c, t, r, m, th, src, $8, o
         FROM unnest($1::text[], $2::text[], $3::boolean[], $4::text[], $5::text[], $6::text[], $7::text[],
                     $9::timestamptz[]) AS x(s, c, t, r, m, th, src, o)
       ON CONFLICT (symbol, cause, tripped, source_id) DO NOTHING`,
      [
        transitions.map((t) => t.symbol),
        transitions.map((t) => t.cause),
        transitions.map((t) => t.tripped),
        transitions.map((t) => t.reason),
        transitions.map((t) => t.value),
        transitions.map((t) => t.threshold),
        transitions.map((t) => t.sourceId),
        configVersion,
        transitions.map((t) => new Date(t.atMs).toISOString()),
      ],
    );
  }
}
