import type { ChainableCommander } from 'ioredis';
import { REDIS_KEYS } from '../../names.js';

/**
 * The one codec of the tradable universe, the set at `REDIS_KEYS.universe`: members are
 * Kraken v2 symbols. The risk API reads it as "missing or empty = no universe configured",
 * so a new universe is built under a staging key and renamed over the live one in the same
 * MULTI: readers see the old set or the new one, never a half-written or empty one.
 */
export const UNIVERSE_STAGING_KEY = `${REDIS_KEYS.universe}:next`;

/** The members of a universe: each symbol once, sorted (so two runs compare equal). */
export function encodeUniverse(symbols: Iterable<string>): string[] {
  return [...new Set(symbols)].sort();
}

/** Decodes the members as SMEMBERS returns them (in no order). */
export function decodeUniverse(members: readonly string[]): string[] {
  return encodeUniverse(members);
}

/** Queues the swap to a new, non-empty universe on a MULTI. */
export function queueUniverseSwap(multi: ChainableCommander, symbols: Iterable<string>): void {
  const members = encodeUniverse(symbols);
  if (members.length === 0) throw new Error('an empty universe reads as "not configured": refusing to publish it');
  multi
    .del(UNIVERSE_STAGING_KEY)
    .sadd(UNIVERSE_STAGING_KEY, ...members)
    .rename(UNIVERSE_STAGING_KEY, REDIS_KEYS.universe);
}
