import type { ChainableCommander } from 'ioredis';
import type { StateEpoch } from '../../domain/state-epoch.js';
import { REDIS_KEYS } from '../../names.js';

/**
 * The one codec of the state epoch hash at `REDIS_KEYS.stateEpoch` (see
 * shared/domain/state-epoch.ts for what it proves). The rebuild writes it whole and last
 * ({@link queueEpochWrite}); a control change raises its generation ({@link RAISE_EPOCH_LUA})
 * but never creates it, since a cache without an epoch must stay unserved until rebuilt; the
 * comparison drops it when it is behind ({@link DROP_EPOCH_IF_BEHIND_LUA}). Readers decode
 * through {@link decodeStateEpoch}; the risk API's load script reads the generation field alone.
 */
export const STATE_EPOCH_FIELDS = {
  generation: 'generation',
  writtenAtMs: 'written_at_ms',
  writtenBy: 'written_by',
} as const satisfies Record<keyof StateEpoch, string>;

const F = STATE_EPOCH_FIELDS;

/** The whole hash of an epoch. */
export function encodeStateEpoch(epoch: StateEpoch): Record<string, string> {
  if (!Number.isSafeInteger(epoch.generation) || epoch.generation < 0) {
    throw new Error(`state epoch generation must be a non-negative integer, got ${epoch.generation}`);
  }
  return {
    [F.generation]: String(epoch.generation),
    [F.writtenAtMs]: String(epoch.writtenAtMs),
    [F.writtenBy]: epoch.writtenBy,
  };
}

/** A generation as Redis holds it; anything unreadable is no generation (fail closed). */
export function decodeGeneration(value: unknown): number | null {
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value)) return null;
  return Number(value);
}

/** Decodes the hash (as HGETALL returns it): null when missing or its generation is unreadable. */
export function decodeStateEpoch(fields: Record<string, string>): StateEpoch | null {
  const generation = decodeGeneration(fields[F.generation]);
  if (generation === null) return null;
  const writtenAtMs = Number(fields[F.writtenAtMs]);
  return {
    generation,
    writtenAtMs: Number.isSafeInteger(writtenAtMs) ? writtenAtMs : 0,
    writtenBy: fields[F.writtenBy] ?? '',
  };
}

/** Queues the rebuild's final step on a MULTI: the epoch replaced whole. */
export function queueEpochWrite(multi: ChainableCommander, epoch: StateEpoch): void {
  multi.del(REDIS_KEYS.stateEpoch).hset(REDIS_KEYS.stateEpoch, encodeStateEpoch(epoch));
}

/**
 * Raises the generation of an existing epoch (KEYS[1]; ARGV[1]: generation) and never lowers
 * it or creates one. Returns the generation now held, or -1 when the cache has no epoch.
 */
export const RAISE_EPOCH_LUA = `
local current = redis.call('HGET', KEYS[1], '${F.generation}')
if not current then return -1 end
local wanted = tonumber(ARGV[1])
if tonumber(current) == nil or tonumber(current) < wanted then
  redis.call('HSET', KEYS[1], '${F.generation}', ARGV[1])
  return wanted
end
return tonumber(current)
`;

/**
 * Drops the epoch when its generation is below ARGV[1] (or unreadable), atomically, so a
 * raise that lands between the comparison's read and its delete is not thrown away. Returns
 * 1 when it dropped the epoch, 0 otherwise (also when there was none).
 */
export const DROP_EPOCH_IF_BEHIND_LUA = `
local current = redis.call('HGET', KEYS[1], '${F.generation}')
if not current then return 0 end
if tonumber(current) == nil or tonumber(current) < tonumber(ARGV[1]) then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`;
