import { Decimal } from '../decimal.js';
import type { KrakenExecution } from './kraken-private-v2.js';

/**
 * Settling an order that closed while the private feed was away ("vanished": held as open,
 * absent from the reconnect snapshot, no trade in it to say how) from Kraken's order history
 * (REST `QueryOrders`). Only what the history proves is settled: a cancel or expiry whose
 * executed volume the feed has already seen in full, or a fill whose every trade the feed
 * has already applied (only the `filled` message was missed). A fill is never invented; an order the
 * history cannot settle stays working (the safe side for exposure) and is reported.
 */

/** Kraken's order `status` in `QueryOrders` (REST). */
export type OrderHistoryStatus = 'pending' | 'open' | 'closed' | 'canceled' | 'expired';

/** What Kraken's order history says of one order (the fields settling needs). */
export interface ClosedOrderInfo {
  readonly status: OrderHistoryStatus;
  /** `vol_exec`: volume executed, all trades included (decimal text). */
  readonly volExec: string;
  /** `reason`: why the order closed (e.g. `User requested`), null when Kraken gives none. */
  readonly reason: string | null;
  /** `closetm`: when it closed, Unix seconds with a fraction; null while open. */
  readonly closeTime: number | null;
}

/** An entry the adapter could not read: never guessed into a status. */
export interface UnreadableOrderInfo {
  readonly status: 'unreadable';
  readonly problem: string;
}

export type OrderHistoryEntry = ClosedOrderInfo | UnreadableOrderInfo;

export type Settlement =
  /** Canceled, expired or filled, no fill missed: the terminal message the feed missed, to apply. */
  | { readonly kind: 'close'; readonly execution: KrakenExecution }
  /** Still open (or pending) on Kraken: the next snapshot will show it. */
  | { readonly kind: 'still_open' }
  /** Kraken executed more than the feed saw (or filled it): fills were missed; an operator settles it. */
  | { readonly kind: 'fills_missed'; readonly status: OrderHistoryStatus; readonly volExec: string }
  /** No entry, an unreadable one, or one that contradicts the feed: left working, reported. */
  | { readonly kind: 'unknown'; readonly problem: string };

/** The working order's side of the comparison. */
export interface SettlingOrder {
  readonly orderId: string;
  readonly orderQty: string;
  readonly cumQty: string;
}

/** Decides, from Kraken's history entry, what to do with an order that vanished. */
export function settleVanished(order: SettlingOrder, entry: OrderHistoryEntry | undefined): Settlement {
  if (!entry) return { kind: 'unknown', problem: 'not in the order history' };
  if (entry.status === 'unreadable') return { kind: 'unknown', problem: entry.problem };
  if (entry.status === 'open' || entry.status === 'pending') return { kind: 'still_open' };
  const executed = Decimal.tryParse(entry.volExec);
  const seen = Decimal.tryParse(order.cumQty);
  if (!executed || executed.isNegative() || !seen) return { kind: 'unknown', problem: 'vol_exec is not a decimal' };
  if (executed.gt(seen)) return { kind: 'fills_missed', status: entry.status, volExec: entry.volExec };
  if (entry.status === 'closed') {
    // Filled: closable only when the feed applied every trade of the whole quantity.
    const quantity = Decimal.tryParse(order.orderQty);
    if (!quantity || !executed.eq(quantity)) {
      return { kind: 'fills_missed', status: entry.status, volExec: entry.volExec };
    }
  }
  if (executed.lt(seen)) return { kind: 'unknown', problem: 'vol_exec is below the quantity the feed saw filled' };
  const timestamp = entry.closeTime === null ? null : isoFromUnixSeconds(entry.closeTime);
  if (!timestamp) return { kind: 'unknown', problem: 'no close time' };
  const terminal = entry.status === 'closed' ? 'filled' : entry.status;
  return {
    kind: 'close',
    execution: {
      execType: terminal,
      orderId: order.orderId,
      timestamp,
      orderStatus: terminal,
      cumQty: order.cumQty,
      reason: entry.reason ?? undefined,
    },
  };
}

/** Unix seconds (Kraken's `closetm`, e.g. 1688148493.7708) as RFC 3339 with microseconds; null when not a time. */
export function isoFromUnixSeconds(seconds: number): string | null {
  if (!Number.isFinite(seconds) || seconds <= 0) return null;
  const micros = Math.round(seconds * 1_000_000);
  const date = new Date(Math.floor(micros / 1_000));
  if (Number.isNaN(date.getTime())) return null;
  return `${date.toISOString().slice(0, 23)}${String(micros % 1_000).padStart(3, '0')}Z`;
}
