import type { ChainableCommander, Redis } from 'ioredis';
import type pg from 'pg';
import type { BreakerCause, BreakerTransition } from '../../domain/breakers/hysteresis.js';
import type { AuditedTransition, BreakerAudit, BreakerWriter } from '../../domain/breakers/ports.js';
import { REDIS_KEYS, TABLES } from '../../names.js';
import { decodeTrippedCauses, encodeCauseChange, RESET_LUA, SET_CAUSE_LUA } from '../redis/breaker-hash.js';

type WithBreakerCommand = {
  breakerSetCause(key: string, cause: string, tripped: string, reason: string, atMs: string): unknown;
  breakerReset(key: string, reason: string, atMs: string): Promise<string[]>;
};

declare module 'ioredis' {
  interface ChainableCommander {
    breakerSetCause(key: string, cause: string, tripped: string, reason: string, atMs: string): ChainableCommander;
  }
}

/**
 * Breaker writes to Redis: the hash at REDIS_KEYS.breaker(symbol), laid out and scripted by
 * its codec (shared/adapters/redis/breaker-hash.ts).
 */
export class RedisBreakerStore implements BreakerWriter {
  constructor(readonly redis: Redis) {
    if (!(redis as unknown as Partial<WithBreakerCommand>).breakerSetCause) {
      redis.defineCommand('breakerSetCause', { numberOfKeys: 1, lua: SET_CAUSE_LUA });
      redis.defineCommand('breakerReset', { numberOfKeys: 1, lua: RESET_LUA });
    }
  }

  /** Causes of a symbol's breaker that are tripped now. */
  async tripped(symbol: string): Promise<BreakerCause[]> {
    return [...RedisBreakerStore.trippedCauses(await this.redis.hgetall(REDIS_KEYS.breaker(symbol)))].sort();
  }

  /** Clears every cause at once (see RESET_LUA); returns the causes that were tripped. */
  async reset(symbol: string, reason: string, atMs: number): Promise<BreakerCause[]> {
    const redis = this.redis as unknown as WithBreakerCommand;
    return (await redis.breakerReset(REDIS_KEYS.breaker(symbol), reason, String(atMs))) as BreakerCause[];
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
