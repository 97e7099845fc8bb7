import { StateUnavailableError } from './errors.js';

/**
 * The state epoch: proof that the hot cache (Redis) holds the state it must hold.
 *
 * The cache is rebuildable, so it can be empty (a new node, a flush, a lost primary) or old
 * (restored from a snapshot, a replica promoted before it received the last writes). Either
 * way it may hold no engaged kill switch and no tripped breaker while the desk believes the
 * gate is halted. So:
 *
 * - the rebuild writes the epoch LAST, after everything it restores: a cache without an
 *   epoch has not been restored, and every reader fails closed on it (the risk API rejects
 *   RISK_STATE_UNAVAILABLE, the evaluator does not run, the admin API answers 503);
 * - the epoch carries a generation, also recorded durably in PostgreSQL. Every control change
 *   (kill switch engage and release, breaker trip) writes its state to the cache first, then
 *   advances the generation in PostgreSQL, then raises the cache's generation to it. A cache
 *   restored from before a change therefore holds an older generation than PostgreSQL;
 * - the risk API cannot ask PostgreSQL on every decision, so the comparison runs beside it:
 *   the market evaluator on every batch and the rebuild job every minute compare the two and,
 *   when the cache is behind by a change older than a grace period (a change in flight has
 *   moved PostgreSQL but not yet the cache), delete the epoch: from then on the gate rejects
 *   everything until the rebuild has restored the cache and written a current epoch.
 *
 * Pure: the judgement below, its named errors. The adapters read and write both sides.
 */

/** What a cache's epoch says, read from Redis: null when the cache has none. */
export interface StateEpoch {
  readonly generation: number;
  /** When the rebuild wrote it (epoch ms). */
  readonly writtenAtMs: number;
  /** Who wrote it: `rebuild:<trigger>` or `test`. */
  readonly writtenBy: string;
}

/** The verdict on a cache: serve, or fail closed (and why). */
export type EpochVerdict =
  | { readonly kind: 'current'; readonly generation: number }
  | { readonly kind: 'missing' }
  | { readonly kind: 'behind'; readonly cacheGeneration: number; readonly durableGeneration: number };

/**
 * Judges a cache's epoch against the durable generation. `settledGeneration` is the highest
 * generation PostgreSQL recorded longer ago than the grace period: a cache that has not
 * reached it missed a change (it was restored, or failed over, from before it).
 */
export function judgeEpoch(epoch: StateEpoch | null, settledGeneration: number): EpochVerdict {
  if (!epoch) return { kind: 'missing' };
  if (epoch.generation < settledGeneration) {
    return { kind: 'behind', cacheGeneration: epoch.generation, durableGeneration: settledGeneration };
  }
  return { kind: 'current', generation: epoch.generation };
}

/**
 * The cache holds no state epoch: it was emptied (or never built) and the rebuild has not
 * finished. A {@link StateUnavailableError}, so every edge already fails closed on it; the
 * admin edge names it (`STATE_NOT_REBUILT`).
 */
export class StateEpochMissingError extends StateUnavailableError {
  constructor() {
    super('risk state (cache not rebuilt: no state epoch)');
  }
}

/** The cache's epoch is older than the durable generation: it missed a control change. */
export class StateEpochBehindError extends StateUnavailableError {
  constructor(
    readonly cacheGeneration: number,
    readonly durableGeneration: number,
  ) {
    super(`risk state (cache behind: generation ${cacheGeneration} < ${durableGeneration})`);
  }
}

/** The causes that advance the generation (the `cause` column of `state_generations`). */
export type GenerationCause = 'kill_switch_engage' | 'kill_switch_release' | 'breaker_trip';
