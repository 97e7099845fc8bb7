import { Decimal } from '../../domain/decimal.js';
import { StateUnavailableError } from '../../domain/errors.js';

/**
 * The codec of an account's positions mirror (`REDIS_KEYS.positions`: symbol -> signed
 * quantity as a canonical decimal string, flat positions absent) and daily counters
 * (`REDIS_KEYS.dailyCounters`: the trading day and its realised PnL and fees). PostgreSQL
 * (`positions`, `daily_pnl`) is the source of truth; the positions consumer and the state
 * rebuild write these mirrors, the risk API's load script reads them.
 */
export const DAILY_COUNTER_FIELDS = {
  date: 'date',
  realisedPnl: 'realised_pnl',
  fees: 'fees',
} as const;

/** The positions hash; null when every position is flat (the key is then deleted). */
export function encodePositions(positions: ReadonlyMap<string, Decimal>): Record<string, string> | null {
  const held = [...positions].filter(([, qty]) => !qty.isZero());
  return held.length === 0 ? null : Object.fromEntries(held.map(([symbol, qty]) => [symbol, qty.toString()]));
}

/** The positions hash read back; an unreadable position must not vanish from exposure: fail closed. */
export function decodePositions(fields: Record<string, string>): Map<string, Decimal> {
  const positions = new Map<string, Decimal>();
  for (const [symbol, qty] of Object.entries(fields)) {
    const value = Decimal.tryParse(qty);
    if (!value) throw new StateUnavailableError(`position ${symbol} unreadable`);
    positions.set(symbol, value);
  }
  return positions;
}

/** The daily counters hash of one trading day (`YYYY-MM-DD` under the configured boundary). */
export function encodeDailyCounters(daily: {
  readonly date: string;
  readonly realisedPnl: Decimal;
  readonly fees: Decimal;
}): Record<string, string> {
  return {
    [DAILY_COUNTER_FIELDS.date]: daily.date,
    [DAILY_COUNTER_FIELDS.realisedPnl]: daily.realisedPnl.toString(),
    [DAILY_COUNTER_FIELDS.fees]: daily.fees.toString(),
  };
}
