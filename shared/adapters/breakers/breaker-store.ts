import type { ChainableCommander, Redis } from 'ioredis';
import type pg from 'pg';
import type { BreakerCause, BreakerTransition } from '../../domain/breakers/hysteresis.js';
import { REDIS_KEYS, TABLES } from '../../names.js';

/**
 * Sets one cause of a symbol's breaker and recomputes the fields the risk API reads:
 * `state` (tripped while any `cause:*` is 1), `reason` (the active causes' reasons) and
 * `since_ms` (moved only when `state` changes). Several writers (market evaluator,
 * reference-prices) share the hash, so the recomputation is atomic here, not in a client.
 */
const SET_CAUSE_SCRIPT = `
redis.call('HSET', KEYS[1], 'cause:' .. ARGV[1], ARGV[2], 'cause_reason:' .. ARGV[1], ARGV[3])
local fields = redis.call('HGETALL', KEYS[1])
local values = {}
for i = 1, #fields, 2 do values[fields[i]] = fields[i + 1] end
local active = {}
for name, value in pairs(values) do
  if string.sub(name, 1, 6) == 'cause:' and value == '1' then
    local cause = string.sub(name, 7)
    active[#active + 1] = cause .. ': ' .. (values['cause_reason:' .. cause] or '')
  end
end
table.sort(active)
local state = 'clear'
if #active > 0 then state = 'tripped' end
if values['state'] ~= state then redis.call('HSET', KEYS[1], 'state', state, 'since_ms', ARGV[4]) end
redis.call('HSET', KEYS[1], 'reason', table.concat(active, '; '))
return state
`;

/**
 * An operator's reset: every `cause:*` to 0, `state` clear, `since_ms` moved if it was
 * tripped. Returns the causes that were tripped. The evaluators reconcile their own state
 * with these fields on their next batch, so a condition that persists trips again.
 */
const RESET_SCRIPT = `
local fields = redis.call('HGETALL', KEYS[1])
local cleared = {}
local wasTripped = false
for i = 1, #fields, 2 do
  local name, value = fields[i], fields[i + 1]
  if string.sub(name, 1, 6) == 'cause:' and value == '1' then
    cleared[#cleared + 1] = string.sub(name, 7)
    redis.call('HSET', KEYS[1], name, '0', 'cause_reason:' .. string.sub(name, 7), ARGV[1])
  end
  if name == 'state' and value == 'tripped' then wasTripped = true end
end
if wasTripped or #fields == 0 then redis.call('HSET', KEYS[1], 'since_ms', ARGV[2]) end
redis.call('HSET', KEYS[1], 'state', 'clear', 'reason', ARGV[1])
table.sort(cleared)
return cleared
`;

type WithBreakerCommand = {
  breakerSetCause(key: string, cause: string, tripped: string, reason: string, atMs: string): unknown;
  breakerReset(key: string, reason: string, atMs: string): Promise<string[]>;
};

declare module 'ioredis' {
  interface ChainableCommander {
    breakerSetCause(key: string, cause: string, tripped: string, reason: string, atMs: string): ChainableCommander;
  }
}

/** Breaker writes to Redis: the hash at REDIS_KEYS.breaker(symbol), one field per cause. */
export class RedisBreakerStore {
  constructor(readonly redis: Redis) {
    if (!(redis as unknown as Partial<WithBreakerCommand>).breakerSetCause) {
      redis.defineCommand('breakerSetCause', { numberOfKeys: 1, lua: SET_CAUSE_SCRIPT });
      redis.defineCommand('breakerReset', { numberOfKeys: 1, lua: RESET_SCRIPT });
    }
  }

  /** Causes of a symbol's breaker that are tripped now. */
  async tripped(symbol: string): Promise<BreakerCause[]> {
    return [...RedisBreakerStore.trippedCauses(await this.redis.hgetall(REDIS_KEYS.breaker(symbol)))].sort();
  }

  /** Clears every cause at once (see RESET_SCRIPT); returns the causes that were tripped. */
  async reset(symbol: string, reason: string, atMs: number): Promise<BreakerCause[]> {
    const redis = this.redis as unknown as WithBreakerCommand;
    return (await redis.breakerReset(REDIS_KEYS.breaker(symbol), reason, String(atMs))) as BreakerCause[];
  }

  /** Queues the transitions, in order, on a MULTI/pipeline. */
  queue(chain: ChainableCommander, transitions: readonly BreakerTransition[]): void {
    for (const t of transitions) {
      chain.breakerSetCause(REDIS_KEYS.breaker(t.symbol), t.cause, t.tripped ? '1' : '0', t.reason, String(t.atMs));
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

  /** Causes currently tripped per symbol (an operator's reset clears them here first). */
  static trippedCauses(fields: Record<string, string>): Set<BreakerCause> {
    const out = new Set<BreakerCause>();
    for (const [name, value] of Object.entries(fields)) {
      if (name.startsWith('cause:') && value === '1') out.add(name.slice(6) as BreakerCause);
    }
    return out;
  }
}

/** A row of `breaker_events`: a transition, or an operator's reset with nothing tripped (`manual`). */
type AuditedTransition = Omit<BreakerTransition, 'cause'> & { readonly cause: BreakerCause | 'manual' };

/** The audit of every breaker change (`breaker_events`), written once per change. */
export class PostgresBreakerAudit {
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
