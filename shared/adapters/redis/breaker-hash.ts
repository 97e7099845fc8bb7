import { BREAKER_CAUSES, type BreakerCause } from '../../domain/breakers/hysteresis.js';

/**
 * The one codec of a symbol's breaker hash at `REDIS_KEYS.breaker(symbol)`. Several writers
 * share the hash (the market evaluator, the reference-price job, the admin reset), so it is
 * only ever written through the two Lua scripts below, which recompute the summary fields
 * atomically; readers (the risk API, the evaluator's reconciliation) decode it here.
 *
 * Layout: one `cause:<cause>` (1|0) and `cause_reason:<cause>` per cause, and the summary the
 * risk API reads: `state` (tripped while any cause is 1), `reason` (the active causes'
 * reasons) and `since_ms` (moved only when `state` changes).
 */
export const BREAKER_FIELDS = {
  state: 'state',
  reason: 'reason',
  sinceMs: 'since_ms',
  causePrefix: 'cause:',
  causeReasonPrefix: 'cause_reason:',
} as const;

export const BREAKER_STATES = { tripped: 'tripped', clear: 'clear' } as const;

export const causeField = (cause: BreakerCause): string => `${BREAKER_FIELDS.causePrefix}${cause}`;
export const causeReasonField = (cause: BreakerCause): string => `${BREAKER_FIELDS.causeReasonPrefix}${cause}`;

const F = BREAKER_FIELDS;
const S = BREAKER_STATES;

/**
 * Sets one cause (KEYS[1]; ARGV: cause, '1'|'0', reason, at ms) and recomputes the summary.
 * Returns the new state.
 */
export const SET_CAUSE_LUA = `
redis.call('HSET', KEYS[1], '${F.causePrefix}' .. ARGV[1], ARGV[2], '${F.causeReasonPrefix}' .. ARGV[1], ARGV[3])
local fields = redis.call('HGETALL', KEYS[1])
local values = {}
for i = 1, #fields, 2 do values[fields[i]] = fields[i + 1] end
local prefix = '${F.causePrefix}'
local active = {}
for name, value in pairs(values) do
  if string.sub(name, 1, #prefix) == prefix and value == '1' then
    local cause = string.sub(name, #prefix + 1)
    active[#active + 1] = cause .. ': ' .. (values['${F.causeReasonPrefix}' .. cause] or '')
  end
end
table.sort(active)
local state = '${S.clear}'
if #active > 0 then state = '${S.tripped}' end
if values['${F.state}'] ~= state then redis.call('HSET', KEYS[1], '${F.state}', state, '${F.sinceMs}', ARGV[4]) end
redis.call('HSET', KEYS[1], '${F.reason}', table.concat(active, '; '))
return state
`;

/**
 * An operator's reset (KEYS[1]; ARGV: reason, at ms): every cause to 0, `state` clear,
 * `since_ms` moved if it was tripped. Returns the causes that were tripped. The evaluators
 * reconcile their own state with these fields on their next batch, so a condition that
 * persists trips again.
 */
export const RESET_LUA = `
local fields = redis.call('HGETALL', KEYS[1])
local prefix = '${F.causePrefix}'
local cleared = {}
local wasTripped = false
for i = 1, #fields, 2 do
  local name, value = fields[i], fields[i + 1]
  if string.sub(name, 1, #prefix) == prefix and value == '1' then
    cleared[#cleared + 1] = string.sub(name, #prefix + 1)
    redis.call('HSET', KEYS[1], name, '0', '${F.causeReasonPrefix}' .. string.sub(name, #prefix + 1), ARGV[1])
  end
  if name == '${F.state}' and value == '${S.tripped}' then wasTripped = true end
end
if wasTripped or #fields == 0 then redis.call('HSET', KEYS[1], '${F.sinceMs}', ARGV[2]) end
redis.call('HSET', KEYS[1], '${F.state}', '${S.clear}', '${F.reason}', ARGV[1])
table.sort(cleared)
return cleared
`;

/** The arguments of {@link SET_CAUSE_LUA} for one cause change. */
export function encodeCauseChange(change: {
  readonly cause: BreakerCause;
  readonly tripped: boolean;
  readonly reason: string;
  readonly atMs: number;
}): [cause: string, tripped: string, reason: string, atMs: string] {
  return [change.cause, change.tripped ? '1' : '0', change.reason, String(change.atMs)];
}

/** Causes tripped in a breaker hash (as HGETALL returns it); unknown cause names are ignored. */
export function decodeTrippedCauses(fields: Record<string, string>): Set<BreakerCause> {
  const out = new Set<BreakerCause>();
  for (const cause of BREAKER_CAUSES) if (fields[causeField(cause)] === '1') out.add(cause);
  return out;
}

/** Whether one cause is tripped, from its field alone (as HGET returns it). */
export function decodeCauseTripped(value: string | null | undefined): boolean {
  return value === '1';
}

export interface BreakerSnapshot {
  readonly tripped: boolean;
  /** The active causes' reasons; undefined when the hash has none. */
  readonly reason: string | undefined;
  readonly sinceMs: number | null;
  readonly causes: ReadonlySet<BreakerCause>;
}

/** Decodes a whole breaker hash; an empty or missing hash is a clear breaker. */
export function decodeBreaker(fields: Record<string, string>): BreakerSnapshot {
  const since = Number(fields[F.sinceMs]);
  return {
    tripped: fields[F.state] === S.tripped,
    reason: fields[F.reason],
    sinceMs: fields[F.sinceMs] !== undefined && Number.isSafeInteger(since) ? since : null,
    causes: decodeTrippedCauses(fields),
  };
}
