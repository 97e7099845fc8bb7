import type { ChainableCommander, Redis } from 'ioredis';
import type pg from 'pg';
import type { BreakerCause, BreakerTransition } from '../../shared/domain/breakers/hysteresis.js';
import { REDIS_KEYS, TABLES } from '../../shared/names.js';

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

type WithBreakerCommand = {
  breakerSetCause(key: string, cause: string, tripped: string, reason: string, atMs: string): unknown;
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
    }
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

/** The audit of every breaker change (`breaker_events`), written once per change. */
export class PostgresBreakerAudit {
  constructor(private readonly pool: pg.Pool) {}

  async record(transitions: readonly BreakerTransition[], configVersion: number): Promise<void> {
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
