import { Decimal } from '../decimal.js';
import { DEPEG_POLICY } from './config.js';

const ONE = Decimal.ONE;
const BPS = Decimal.fromInteger(10_000);

/** |price - 1.00| in basis points, exact. */
export function depegBps(price: Decimal): Decimal {
  return price.sub(ONE).abs().mul(BPS);
}

export function isDepegSymbol(symbol: string): boolean {
  return DEPEG_POLICY.symbols.includes(symbol);
}

/**
 * Whether a stablecoin quote may move the depeg breaker: a quote whose exchange time is more
 * than 180 s behind the time it was received (or the evaluation time) is stale and ignored,
 * so neither a halt nor a resume is decided on old data.
 */
export function isFreshQuote(quoteMs: number, nowMs: number): boolean {
  return nowMs - quoteMs <= DEPEG_POLICY.staleAfterMs;
}

export const DEPEG_THRESHOLDS = {
  trip: Decimal.parse(DEPEG_POLICY.tripBps),
  clear: Decimal.parse(DEPEG_POLICY.clearBps),
};
