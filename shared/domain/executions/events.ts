import * as z from 'zod';
import { Decimal } from '../decimal.js';
import { type Fill, fillSchema } from '../positions/positions.js';

/**
 * The order-state contract of the Kinesis `executions` stream (partition key = account id),
 * published by the account feed from Kraken's private WS v2 `executions` channel and read by
 * the positions function, which keeps working orders and reservations from it.
 *
 * The stream carries two record shapes: today's {@link fillSchema} fills (positions keep
 * reading them unchanged) and the {@link orderEventSchema} order events below. Every order
 * event carries `kind: 'order'`, which a fill never has, so {@link executionRecordSchema}
 * tells them apart without guessing.
 *
 * Amounts are decimal strings, never JSON numbers: Kraken sends numbers and the feed must
 * render them losslessly (see ENVIRONMENT.md) before publishing.
 *
 * Kraken `exec_type` -> `type`:
 * - `new` -> `acknowledged` (the order is on Kraken's book, or waiting for its trigger);
 *   `pending_new` is not published: the gate's reservation already covers that moment.
 * - `amended`, `restated` -> `amended` (quantity or price changed; `restated` is Kraken's own
 *   change, e.g. a post-only price adjustment).
 * - `trade` -> `partially_filled` with `fill` (even when Kraken says the order is complete:
 *   on spot a trade may report `partially_filled` for the last fill; `filled` follows).
 * - `filled` -> `filled` (with `fill` when the feed merged the last trade into it).
 * - `canceled`, `expired` -> the same names.
 * - an `add_order` / `amend_order` error answer for a gate-vetted cl_ord_id -> `rejected`
 *   (for an order Kraken already acknowledged that can only be a refused amend: the order
 *   keeps working and only the amend's reservation is released).
 */

// zod runs every check even after the pattern failed, so the sign checks use tryParse.
const decimalText = z.string().regex(/^-?\d{1,24}(\.\d{1,18})?$/, 'a plain decimal string such as "0.015"');
const nonNegativeDecimal = decimalText.refine((s) => Decimal.tryParse(s)?.isNegative() === false, 'must be >= 0');
const positiveDecimal = decimalText.refine((s) => Decimal.tryParse(s)?.isPositive() === true, 'must be > 0');

/** Kraken spot order types (WS v2 `order_type`), the same nine the risk API validates. */
export const KRAKEN_ORDER_TYPES = [
  'limit',
  'market',
  'iceberg',
  'stop-loss',
  'stop-loss-limit',
  'take-profit',
  'take-profit-limit',
  'trailing-stop',
  'trailing-stop-limit',
] as const;
export const krakenOrderTypeSchema = z.enum(KRAKEN_ORDER_TYPES);
export type KrakenOrderType = z.infer<typeof krakenOrderTypeSchema>;

/** What happened to an order. Terminal ones release whatever is left of it. */
export const ORDER_EVENT_TYPES = [
  'acknowledged',
  'amended',
  'partially_filled',
  'filled',
  'canceled',
  'expired',
  'rejected',
] as const;
export const orderEventTypeSchema = z.enum(ORDER_EVENT_TYPES);
export type OrderEventType = z.infer<typeof orderEventTypeSchema>;

/** Event types after which the order can change no more. */
export const TERMINAL_ORDER_EVENTS: ReadonlySet<OrderEventType> = new Set([
  'filled',
  'canceled',
  'expired',
  'rejected',
]);

/** One trade of the order (Kraken `exec_type: trade`). */
export const orderFillSchema = z.strictObject({
  /** Kraken's `exec_id`: unique per trade, the key that moves a fill into a position once. */
  exec_id: z.string().min(1).max(128),
  /** Kraken's `last_qty`. */
  qty: positiveDecimal,
  /** Kraken's `last_price`. */
  price: positiveDecimal,
  /** Fee in USD (Kraken's `fee_usd_equiv`; every pair traded is quoted in USD). */
  fee: nonNegativeDecimal.default('0'),
  /** Kraken's `liquidity_ind`: `m` maker, `t` taker. */
  liquidity: z.enum(['m', 't']).optional(),
});
export type OrderFill = z.output<typeof orderFillSchema>;

export const orderEventSchema = z
  .strictObject({
    kind: z.literal('order'),
    /**
     * Deduplication key of this event: the fill's `exec_id` for trades, else
     * {@link orderEventId} of the other fields. Kinesis and the feed's reconnect snapshots
     * both redeliver; a consumer applies an event id once.
     */
    event_id: z.string().min(1).max(256),
    type: orderEventTypeSchema,
    account_id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/),
    /**
     * The client order id the strategy sent to Kraken, which is the `order_id` the gate
     * validated. Null for an order placed without one: such an order had no decision behind
     * it ("unvetted") and is counted as working all the same.
     */
    cl_ord_id: z
      .string()
      .regex(/^[\x21-\x7e]{1,128}$/)
      .nullable(),
    /** Kraken's own order id (e.g. `OABCDE-FGHIJ-KLMNOP`). */
    order_id: z.string().min(1).max(64),
    symbol: z.string().regex(/^[A-Z0-9]+\/[A-Z0-9]+$/),
    side: z.enum(['buy', 'sell']),
    order_type: krakenOrderTypeSchema,
    /** Total quantity of the order as it stands after this event (Kraken `order_qty`). */
    order_qty: positiveDecimal,
    /** Quantity filled so far, all trades included (Kraken `cum_qty`). */
    cum_qty: nonNegativeDecimal,
    limit_price: positiveDecimal.optional(),
    /** Trigger price of stop / take-profit / trailing orders. */
    trigger_price: positiveDecimal.optional(),
    /** Average fill price so far (Kraken `avg_price`). */
    avg_price: positiveDecimal.optional(),
    reduce_only: z.boolean().default(false),
    /** Present on trade events (and a `filled` the feed merged with its last trade). */
    fill: orderFillSchema.optional(),
    /** Kraken's reason text on canceled / expired / rejected. */
    reason: z.string().max(256).optional(),
    /** Kraken's `timestamp` of the event, ISO-8601. */
    occurred_at: z.iso.datetime({ offset: true }),
  })
  .superRefine((event, ctx) => {
    if (event.type === 'partially_filled' && !event.fill) {
      ctx.addIssue({ code: 'custom', path: ['fill'], message: 'required for partially_filled' });
    }
    if (event.fill && event.type !== 'partially_filled' && event.type !== 'filled') {
      ctx.addIssue({ code: 'custom', path: ['fill'], message: `not allowed for ${event.type}` });
    }
    if (event.fill && event.event_id !== event.fill.exec_id) {
      ctx.addIssue({ code: 'custom', path: ['event_id'], message: 'must equal fill.exec_id for trade events' });
    }
    const cum = Decimal.tryParse(event.cum_qty);
    const total = Decimal.tryParse(event.order_qty);
    if (cum && total && cum.gt(total)) {
      ctx.addIssue({ code: 'custom', path: ['cum_qty'], message: 'cannot exceed order_qty' });
    }
  });
/** A validated order event; amounts stay decimal strings (parse with {@link Decimal.parse}). */
export type OrderEvent = z.output<typeof orderEventSchema>;
/** An order event as a producer builds it (defaults may be omitted). */
export type OrderEventInput = z.input<typeof orderEventSchema>;

/**
 * The event id of a non-trade event. Kraken's status messages carry no id of their own, so
 * the id is built from what identifies the transition; a redelivered message (reconnect
 * snapshot, Kinesis retry) yields the same id, two distinct transitions never do.
 */
export function orderEventId(
  event: Pick<OrderEvent, 'order_id' | 'type' | 'order_qty' | 'cum_qty' | 'occurred_at'> & {
    limit_price?: string | undefined;
  },
): string {
  return [event.order_id, event.type, event.order_qty, event.cum_qty, event.limit_price ?? '', event.occurred_at].join(
    ':',
  );
}

/** Kraken's account balance of one asset (WS v2 `balances` channel), for cash-market checks. */
export const balanceEventSchema = z.strictObject({
  kind: z.literal('balance'),
  event_id: z.string().min(1).max(256),
  account_id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/),
  /** Kraken's v2 asset name, e.g. `BTC`, `USD`. */
  asset: z.string().regex(/^[A-Z0-9.]{1,16}$/),
  /** Total balance of the asset (working orders are not subtracted by Kraken). */
  balance: nonNegativeDecimal,
  occurred_at: z.iso.datetime({ offset: true }),
});
export type BalanceEvent = z.output<typeof balanceEventSchema>;

/** Anything published on `executions`: a legacy fill, an order event or a balance. */
export const executionRecordSchema = z.union([orderEventSchema, balanceEventSchema, fillSchema]);
export type ExecutionRecord = z.output<typeof executionRecordSchema>;

export function isOrderEvent(record: ExecutionRecord): record is OrderEvent {
  return 'kind' in record && record.kind === 'order';
}

export function isBalanceEvent(record: ExecutionRecord): record is BalanceEvent {
  return 'kind' in record && record.kind === 'balance';
}

/**
 * The fill an order event carries, in the shape positions already apply ({@link Fill}),
 * keyed by Kraken's exec_id so a position moves once per trade. Null when it carries none.
 */
export function fillOf(event: OrderEvent): Fill | null {
  if (!event.fill) return null;
  return {
    fill_id: event.fill.exec_id,
    account_id: event.account_id,
    order_id: event.cl_ord_id ?? event.order_id,
    symbol: event.symbol,
    side: event.side,
    qty: event.fill.qty,
    price: event.fill.price,
    fee: event.fill.fee,
    executed_at: event.occurred_at,
  };
}
