import { ORDER_TYPE_RULES, type OrderType } from '../order.js';
import type { ReasonCode } from '../reasons.js';

/**
 * Kraken's trading status of a pair (WS v2 `instrument` channel, `pairs[].status`). A pair
 * changes status without notice (maintenance, delisting, a venue-wide cancel-only), so the
 * gate reads it on every order instead of trusting the status it saw at start.
 */
export const INSTRUMENT_STATUSES = [
  'online',
  'cancel_only',
  'maintenance',
  'delisted',
  'work_in_progress',
  'post_only',
  'limit_only',
  'reduce_only',
] as const;

export type InstrumentStatus = (typeof INSTRUMENT_STATUSES)[number];

export function isInstrumentStatus(value: string): value is InstrumentStatus {
  return (INSTRUMENT_STATUSES as readonly string[]).includes(value);
}

/** What the status rule needs to know of an order. */
export interface StatusCheckedOrder {
  /** A cancel only takes risk off the book: every status lets it through. @default 'new' */
  readonly action?: 'new' | 'amend' | 'cancel';
  readonly type: OrderType;
  readonly postOnly: boolean;
  /** Kraken's `reduce_only` flag as the order will carry it to Kraken. */
  readonly reduceOnly: boolean;
}

export type InstrumentStatusVerdict =
  | { readonly admitted: true }
  | { readonly admitted: false; readonly code: ReasonCode; readonly detail: string };

const ADMITTED: InstrumentStatusVerdict = { admitted: true };

function refused(symbol: string, detail: string): InstrumentStatusVerdict {
  return { admitted: false, code: 'INSTRUMENT_NOT_TRADING', detail: `${symbol}: ${detail}` };
}

/**
 * Whether Kraken would take this order on a pair in `status`. Pure and total: a status the
 * gate does not know (Kraken adds one, a codec reads garbage) refuses, because accepting an
 * order the venue will reject is a false ACCEPT, and the order may be one it would not.
 *
 * - `online` trades;
 * - `cancel_only`, `maintenance`, `delisted`, `work_in_progress` refuse every new order;
 * - `post_only` admits only post-only orders, `limit_only` only plain limit orders (limit,
 *   iceberg: a limit price and no trigger), `reduce_only` only orders flagged reduce_only
 *   (Kraken checks its flag, not the gate's `intent`).
 *
 * An amend is judged like a new order: Kraken amends only where it would accept the order.
 */
export function checkInstrumentStatus(
  symbol: string,
  status: string,
  order: StatusCheckedOrder,
): InstrumentStatusVerdict {
  if ((order.action ?? 'new') === 'cancel') return ADMITTED;
  if (!isInstrumentStatus(status)) return refused(symbol, `unknown Kraken status "${status}"`);
  switch (status) {
    case 'online':
      return ADMITTED;
    case 'cancel_only':
    case 'maintenance':
    case 'delisted':
    case 'work_in_progress':
      return refused(symbol, `${status} on Kraken: no new orders`);
    case 'post_only':
      return order.postOnly ? ADMITTED : refused(symbol, 'post_only on Kraken: only post-only orders');
    case 'limit_only': {
      const rules = ORDER_TYPE_RULES[order.type];
      return rules.limitPrice && !rules.trigger
        ? ADMITTED
        : refused(symbol, `limit_only on Kraken: ${order.type} orders are refused`);
    }
    case 'reduce_only':
      return order.reduceOnly ? ADMITTED : refused(symbol, 'reduce_only on Kraken: only reduce-only orders');
  }
}
