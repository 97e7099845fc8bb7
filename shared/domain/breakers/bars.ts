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
    return {
      bar: { symbol, bucketStartMs: start, open: p, high: p, low: p, close: p, volume: qty.toString(), trades: 1 },
      closed: bar,
    };
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
