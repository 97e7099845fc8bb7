import { Decimal } from '../decimal.js';

/** A one-minute OHLCV bar of trades, exact decimals as text (as stored and written to sinks). */
export interface Bar {
  readonly symbol: string;
  /** Start of the minute, epoch ms. */
  readonly bucketStartMs: number;
  readonly open: string;
  readonly high: string;
  readonly low: string;
  readonly close: string;
  readonly volume: string;
  readonly trades: number;
}

export const BAR_INTERVAL_MS = 60_000;

export function bucketStart(atMs: number, intervalMs = BAR_INTERVAL_MS): number {
  return Math.floor(atMs / intervalMs) * intervalMs;
}

/**
 * The exact high, low and volume of each bar {@link addTradeToBar} returned, so the next trade
 * of the minute compares and adds without parsing the bar's text again (3 parses and 2
 * renderings per trade otherwise: issue #16's evaluator profile). A bar from elsewhere (the
 * state read back from Redis) is parsed as before. Keyed by the bar object, which is never
 * modified; a memo only, invisible in the results.
 */
const exactOf = new WeakMap<Bar, { readonly high: Decimal; readonly low: Decimal; readonly volume: Decimal }>();

/**
 * Adds a trade to the open bar. Returns the bar after the trade and, when the trade starts a
 * new minute, the bar it closed. A trade older than the open bar's minute (late, replayed)
 * leaves the bars alone: bars are rebuilt from absolute values, never patched backwards.
 */
export function addTradeToBar(
  bar: Bar | null,
  symbol: string,
  price: Decimal,
  qty: Decimal,
  atMs: number,
): { bar: Bar | null; closed: Bar | null } {
  const start = bucketStart(atMs);
  if (bar && start < bar.bucketStartMs) return { bar, closed: null };
  const p = price.toString();
  if (!bar || start > bar.bucketStartMs) {
    const opened: Bar = {
      symbol,
      bucketStartMs: start,
      open: p,
      high: p,
      low: p,
      close: p,
      volume: qty.toString(),
      trades: 1,
    };
    exactOf.set(opened, { high: price, low: price, volume: qty });
    return { bar: opened, closed: bar };
  }
  const exact = exactOf.get(bar);
  if (exact) {
    // The bar's text is the canonical text of these values: an unchanged high or low keeps it.
    const high = price.gt(exact.high) ? price : exact.high;
    const low = price.lt(exact.low) ? price : exact.low;
    const volume = exact.volume.add(qty);
    const next: Bar = {
      ...bar,
      high: high === price ? p : bar.high,
      low: low === price ? p : bar.low,
      close: p,
      volume: volume.toString(),
      trades: bar.trades + 1,
    };
    exactOf.set(next, { high, low, volume });
    return { bar: next, closed: null };
  }
  return {
    bar: {
      ...bar,
      high: Decimal.max(Decimal.parse(bar.high), price).toString(),
      low: Decimal.min(Decimal.parse(bar.low), price).toString(),
      close: p,
      volume: Decimal.parse(bar.volume).add(qty).toString(),
      trades: bar.trades + 1,
    },
    closed: null,
  };
}
