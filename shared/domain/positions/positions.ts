import * as z from 'zod';
import { Decimal } from '../decimal.js';

/**
 * A fill (execution) as published to Kinesis `executions` (partition key = account id).
 * Amounts are decimal strings; `fee` is in USD (quote currency of every pair traded).
 */
const decimalText = z.string().refine((s) => Decimal.tryParse(s) !== undefined, 'a plain decimal string');
// zod runs every refinement even after one failed, so a later check must not throw on text an
// earlier one refused ('1e3'): a malformed record is refused (and parked), never a crash.
const positiveDecimal = decimalText.refine((s) => Decimal.tryParse(s)?.isPositive() === true, 'must be > 0');
const nonNegativeDecimal = decimalText.refine((s) => Decimal.tryParse(s)?.isNegative() === false, 'must be >= 0');

export const fillSchema = z.object({
  fill_id: z.string().min(1).max(128),
  account_id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/),
  order_id: z.string().min(1).max(128).optional(),
  symbol: z.string().regex(/^[A-Z0-9]+\/USD$/),
  side: z.enum(['buy', 'sell']),
  qty: positiveDecimal,
  price: positiveDecimal,
  fee: nonNegativeDecimal.default('0'),
  /** When the exchange executed it, ISO-8601. */
  executed_at: z.iso.datetime({ offset: true }),
});
export type Fill = z.output<typeof fillSchema>;

/** One account's holding of one symbol. */
export interface Position {
  /** Signed quantity: positive long, negative short. */
  readonly qty: Decimal;
  /** Average entry price of the open quantity (0 when flat). */
  readonly avgEntry: Decimal;
  /** Realised PnL since the position was first opened (gross of fees). */
  readonly realisedPnl: Decimal;
  readonly fees: Decimal;
}

export const FLAT: Position = {
  qty: Decimal.ZERO,
  avgEntry: Decimal.ZERO,
  realisedPnl: Decimal.ZERO,
  fees: Decimal.ZERO,
};

/** Average entry prices keep 10 fractional digits (beyond any Kraken price precision). */
const AVG_DIGITS = 10;

/**
 * Applies one fill. Adding to a position moves the average entry (quantity-weighted);
 * reducing realises (price - average entry) x closed quantity (sign-adjusted for shorts);
 * crossing through zero realises the closed part and opens the rest at the fill price.
 */
export function applyFill(
  position: Position,
  fill: Pick<Fill, 'side' | 'qty' | 'price' | 'fee'>,
): {
  position: Position;
  realised: Decimal;
  fee: Decimal;
} {
  const qty = Decimal.parse(fill.qty);
  const price = Decimal.parse(fill.price);
  const fee = Decimal.parse(fill.fee);
  const signed = fill.side === 'buy' ? qty : qty.neg();
  const held = position.qty;
  const fees = position.fees.add(fee);

  if (held.isZero() || held.isNegative() === signed.isNegative()) {
    const total = held.abs().add(qty);
    const avgEntry = held.abs().mul(position.avgEntry).add(qty.mul(price)).div(total).round(AVG_DIGITS);
    return { position: { ...position, qty: held.add(signed), avgEntry, fees }, realised: Decimal.ZERO, fee };
  }

  const closed = Decimal.min(qty, held.abs());
  const perUnit = held.isNegative() ? position.avgEntry.sub(price) : price.sub(position.avgEntry);
  const realised = perUnit.mul(closed);
  const remaining = held.add(signed);
  const avgEntry = remaining.isZero()
    ? Decimal.ZERO
    : remaining.isNegative() === held.isNegative()
      ? position.avgEntry
      : price;
  return {
    position: { qty: remaining, avgEntry, realisedPnl: position.realisedPnl.add(realised), fees },
    realised,
    fee,
  };
}

/** An account's counters for one trading day, as the risk API reads them from Redis. */
export interface DailyCounters {
  /** YYYY-MM-DD label of the trading day. */
  readonly date: string;
  readonly realisedPnl: Decimal;
  readonly fees: Decimal;
}

/**
 * The trading day an instant belongs to, for a day that starts at `boundaryMinutes` past
 * midnight UTC: the UTC date of (instant - boundary). With the default boundary (0) it is
 * the plain UTC date, which is what the risk API compares against today.
 */
export function tradingDay(atMs: number, boundaryMinutes = 0): string {
  return new Date(atMs - boundaryMinutes * 60_000).toISOString().slice(0, 10);
}

/**
 * Adds a fill's realised PnL and fee to the day's counters. A fill of a later day resets
 * them (the daily reset); a late fill of an earlier day leaves today's counters alone.
 */
export function addToDaily(
  counters: DailyCounters | null,
  day: string,
  realised: Decimal,
  fee: Decimal,
): DailyCounters {
  if (counters && day < counters.date) return counters;
  const base =
    counters && counters.date === day ? counters : { date: day, realisedPnl: Decimal.ZERO, fees: Decimal.ZERO };
  return { date: day, realisedPnl: base.realisedPnl.add(realised), fees: base.fees.add(fee) };
}
