import type { Decimal } from '../decimal.js';

/** Why a symbol's breaker is tripped; each cause trips and clears on its own. */
export type BreakerCause = 'volatility' | 'spread' | 'depeg' | 'deviation';
export const BREAKER_CAUSES: readonly BreakerCause[] = ['volatility', 'spread', 'depeg', 'deviation'];

export interface CauseState {
  readonly tripped: boolean;
  readonly reason: string;
  readonly sinceMs: number;
}

/** One change of one cause, for Redis, the audit table and metrics. */
export interface BreakerTransition {
  readonly symbol: string;
  readonly cause: BreakerCause;
  readonly tripped: boolean;
  readonly reason: string;
  readonly atMs: number;
  /** The measured value and the threshold it crossed, as text (exact where the input was). */
  readonly value: string;
  readonly threshold: string;
  /** The market event (or job run) that caused it: the audit's idempotency key. */
  readonly sourceId: string;
}

export interface Thresholds<T> {
  readonly trip: T;
  readonly clear: T;
}

/**
 * Hysteresis: trips at or above `trip`, clears only strictly below `clear` (< trip), and in
 * safe mode never clears by itself. Returns the new tripped flag.
 */
export function nextTripped(tripped: boolean, atOrAbove: (t: 'trip' | 'clear') => boolean, latch: boolean): boolean {
  if (!tripped) return atOrAbove('trip');
  if (latch) return true;
  return atOrAbove('clear');
}

/** {@link nextTripped} for exact decimals. */
export function nextTrippedDecimal(
  tripped: boolean,
  value: Decimal,
  thresholds: Thresholds<Decimal>,
  latch: boolean,
): boolean {
  return nextTripped(tripped, (t) => value.gte(thresholds[t]), latch);
}

/** {@link nextTripped} for float statistics (volatility). */
export function nextTrippedNumber(
  tripped: boolean,
  value: number,
  thresholds: Thresholds<number>,
  latch: boolean,
): boolean {
  return nextTripped(tripped, (t) => value >= thresholds[t], latch);
}

/**
 * Combines the causes into the one state the risk API reads (`state`, `reason`, `since_ms`
 * at REDIS_KEYS.breaker): tripped while any cause is.
 */
export function combinedBreaker(causes: Partial<Record<BreakerCause, CauseState>>): {
  tripped: boolean;
  reason: string;
} {
  const active = BREAKER_CAUSES.filter((c) => causes[c]?.tripped).map((c) => `${c}: ${causes[c]?.reason}`);
  return { tripped: active.length > 0, reason: active.join('; ') };
}
