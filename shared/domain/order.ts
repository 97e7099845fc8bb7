import * as z from 'zod';
import { Decimal } from './decimal.js';
import { REASON_CODES } from './reasons.js';

/**
 * Wire schemas of the risk API. Amounts travel as decimal strings and are parsed into
 * {@link Decimal} here, once, so no rule ever sees a float or an unchecked string.
 */

const DECIMAL_TEXT = /^\d{1,24}(\.\d{1,18})?$/;

/** A non-negative decimal string, parsed to a {@link Decimal}. */
export const decimalString = z
  .string()
  .max(44)
  .regex(DECIMAL_TEXT, 'must be a non-negative decimal string such as "0.015"')
  .transform((text) => Decimal.parse(text));

/** A decimal string strictly greater than zero. */
export const positiveDecimalString = decimalString.refine((value) => value.isPositive(), 'must be greater than 0');

/** Kraken WebSocket v2 / REST symbol form: `BASE/QUOTE`, e.g. `BTC/USD`. */
export const SYMBOL_PATTERN = /^[A-Z0-9]{1,12}(?:\.[A-Z0-9]{1,4})?\/[A-Z0-9]{2,8}$/;
export const symbolSchema = z.string().max(24).regex(SYMBOL_PATTERN, 'must look like "BTC/USD"');

/** Account ids are opaque, URL-safe and short (they also name Secrets Manager entries). */
export const accountIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be 1-64 of [A-Za-z0-9_-]');
export const orderIdSchema = z.string().regex(/^[\x21-\x7e]{1,128}$/, 'must be 1-128 printable ASCII characters');

export const sideSchema = z.enum(['buy', 'sell']);
/**
 * Kraken's spot order types (WS v2 `add_order` `order_type`; `settle-position` is a margin
 * type and is refused: the gate is spot only).
 */
export const ORDER_TYPES = [
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
export const orderTypeSchema = z.enum(ORDER_TYPES);
/** open: adds risk; reduce: only shrinks a position; hedge: offsets risk held elsewhere. */
export const intentSchema = z.enum(['open', 'reduce', 'hedge']);
/** Kraken's trigger reference: its own last trade price, or the broader market's index. */
export const triggerReferenceSchema = z.enum(['last', 'index']);
/**
 * Units of `trigger_price`: `static` is an absolute price; `pct` and `quote` are a trailing
 * distance (percent, or USD) from the peak. Only trailing types trail, and they must.
 */
export const triggerPriceTypeSchema = z.enum(['static', 'pct', 'quote']);
export const timeInForceSchema = z.enum(['gtc', 'ioc', 'gtd']);

export type Side = z.infer<typeof sideSchema>;
export type OrderType = z.infer<typeof orderTypeSchema>;
export type Intent = z.infer<typeof intentSchema>;
export type TimeInForce = z.infer<typeof timeInForceSchema>;

/** What each order type needs. Kraken's add_order refuses the same combinations. */
export interface OrderTypeRules {
  /** limit_price: required, or forbidden. */
  readonly limitPrice: boolean;
  /** trigger_price: required, or forbidden. */
  readonly trigger: boolean;
  /** The trigger trails the market (its price is a distance, never an absolute price). */
  readonly trailing: boolean;
  /** Executes at market once live (or triggered): its worst price is the touch. */
  readonly atMarket: boolean;
  /** post_only may be set (the order rests on the book as a plain limit order). */
  readonly postOnly: boolean;
}

export const ORDER_TYPE_RULES: Readonly<Record<OrderType, OrderTypeRules>> = {
  limit: { limitPrice: true, trigger: false, trailing: false, atMarket: false, postOnly: true },
  market: { limitPrice: false, trigger: false, trailing: false, atMarket: true, postOnly: false },
  iceberg: { limitPrice: true, trigger: false, trailing: false, atMarket: false, postOnly: true },
  'stop-loss': { limitPrice: false, trigger: true, trailing: false, atMarket: true, postOnly: false },
  'stop-loss-limit': { limitPrice: true, trigger: true, trailing: false, atMarket: false, postOnly: false },
  'take-profit': { limitPrice: false, trigger: true, trailing: false, atMarket: true, postOnly: false },
  'take-profit-limit': { limitPrice: true, trigger: true, trailing: false, atMarket: false, postOnly: false },
  'trailing-stop': { limitPrice: false, trigger: true, trailing: true, atMarket: true, postOnly: false },
  'trailing-stop-limit': { limitPrice: true, trigger: true, trailing: true, atMarket: false, postOnly: false },
};

/** Kraken's smallest iceberg display: 1/15 of the order quantity. */
const ICEBERG_MIN_DISPLAY_FRACTION = Decimal.fromInteger(15);
const HUNDRED = Decimal.fromInteger(100);

const identity = {
  account_id: accountIdSchema,
  /** The cl_ord_id the strategy sends to Kraken: how Kraken's executions find this decision. */
  order_id: orderIdSchema,
};

type Issue = { path: string; message: string };

/** The cross-field rules of a new order; shared by the plain and the union schemas. */
function newOrderIssues(order: {
  type: OrderType;
  quantity: Decimal;
  limit_price?: Decimal | undefined;
  trigger_price?: Decimal | undefined;
  trigger_price_type?: z.infer<typeof triggerPriceTypeSchema> | undefined;
  trigger_reference?: z.infer<typeof triggerReferenceSchema> | undefined;
  display_qty?: Decimal | undefined;
  post_only: boolean;
  time_in_force: TimeInForce;
  expire_time?: string | undefined;
}): Issue[] {
  const issues: Issue[] = [];
  const rules = ORDER_TYPE_RULES[order.type];
  if (rules.limitPrice && order.limit_price === undefined) {
    issues.push({ path: 'limit_price', message: `required for ${order.type} orders` });
  }
  if (!rules.limitPrice && order.limit_price !== undefined) {
    issues.push({ path: 'limit_price', message: `not allowed for ${order.type} orders` });
  }
  if (rules.trigger && order.trigger_price === undefined) {
    issues.push({ path: 'trigger_price', message: `required for ${order.type} orders` });
  }
  if (!rules.trigger) {
    for (const field of ['trigger_price', 'trigger_reference', 'trigger_price_type'] as const) {
      if (order[field] !== undefined) issues.push({ path: field, message: `not allowed for ${order.type} orders` });
    }
  }
  if (rules.trigger) {
    const priceType = order.trigger_price_type ?? 'static';
    if (rules.trailing && priceType === 'static') {
      issues.push({ path: 'trigger_price_type', message: `${order.type} trails: use pct or quote` });
    }
    if (!rules.trailing && priceType !== 'static') {
      // A relative trigger on a fixed stop would hide its absolute price from the price bands.
      issues.push({ path: 'trigger_price_type', message: `${order.type} takes a static trigger_price` });
    }
    if (priceType === 'pct' && order.trigger_price && order.trigger_price.gte(HUNDRED)) {
      issues.push({ path: 'trigger_price', message: 'a percentage distance must be below 100' });
    }
  }
  if (order.type === 'iceberg') {
    if (order.display_qty === undefined) {
      issues.push({ path: 'display_qty', message: 'required for iceberg orders' });
    } else if (order.display_qty.gt(order.quantity)) {
      issues.push({ path: 'display_qty', message: 'cannot exceed quantity' });
    } else if (order.display_qty.mul(ICEBERG_MIN_DISPLAY_FRACTION).lt(order.quantity)) {
      issues.push({ path: 'display_qty', message: 'must be at least 1/15 of quantity (Kraken minimum)' });
    }
  } else if (order.display_qty !== undefined) {
    issues.push({ path: 'display_qty', message: 'only for iceberg orders' });
  }
  if (order.post_only && !rules.postOnly) {
    issues.push({ path: 'post_only', message: `not allowed for ${order.type} orders (limit and iceberg only)` });
  }
  if (order.post_only && order.time_in_force === 'ioc') {
    // An IOC never rests on the book, so it can never be a maker-only order.
    issues.push({ path: 'post_only', message: 'incompatible with time_in_force ioc' });
  }
  if (order.type === 'market' && order.time_in_force === 'gtd') {
    issues.push({ path: 'time_in_force', message: 'gtd is meaningless for a market order' });
  }
  if (order.time_in_force === 'gtd' && order.expire_time === undefined) {
    issues.push({ path: 'expire_time', message: 'required when time_in_force is gtd' });
  }
  if (order.time_in_force !== 'gtd' && order.expire_time !== undefined) {
    issues.push({ path: 'expire_time', message: 'only with time_in_force gtd' });
  }
  return issues;
}

const newOrderShape = {
  ...identity,
  /** Absent means `new`: the request form strategies already send. */
  action: z.literal('new').optional(),
  symbol: symbolSchema,
  side: sideSchema,
  type: orderTypeSchema,
  quantity: positiveDecimalString,
  limit_price: positiveDecimalString.optional(),
  trigger_price: positiveDecimalString.optional(),
  trigger_price_type: triggerPriceTypeSchema.optional(),
  trigger_reference: triggerReferenceSchema.optional(),
  /** Iceberg only: the quantity shown on the book. */
  display_qty: positiveDecimalString.optional(),
  post_only: z.boolean().default(false),
  /** Kraken's reduce_only flag; the gate treats it like intent `reduce`. */
  reduce_only: z.boolean().default(false),
  time_in_force: timeInForceSchema.default('gtc'),
  /** gtd only: when Kraken drops the order, ISO-8601 with zone. */
  expire_time: z.iso.datetime({ offset: true }).optional(),
  intent: intentSchema.default('open'),
  /** Caller figures only ever tighten a check: the gate uses max(own, caller). */
  var_95: decimalString.optional(),
  projected_fee: decimalString.optional(),
  projected_loss: decimalString.optional(),
};

/** A new order (`action` absent or `new`): the body of `POST /v1/risk/validate` today. */
export const orderRequestSchema = z.strictObject(newOrderShape).superRefine(
  (order, ctx) => {
    for (const issue of newOrderIssues(order))
      ctx.addIssue({ code: 'custom', path: [issue.path], message: issue.message });
  },
  // zod runs refinements after non-aborting field issues, with the raw strings where the
  // cross-field rules expect Decimals (a malformed trigger_price threw, a 500): only a body
  // whose fields all parsed reaches them. Found by the OpenAPI contract test.
  { when: (payload) => payload.issues.length === 0 },
);

/** A validated order request, amounts as {@link Decimal}. */
export type OrderRequest = z.output<typeof orderRequestSchema>;

/**
 * A change to an order the gate already accepted: a new total quantity and/or prices.
 * It is checked against the order's reservation or working quantity, never as a fresh order.
 */
export const amendRequestSchema = z
  .strictObject({
    ...identity,
    action: z.literal('amend'),
    /** Which book to load; must match the original order. */
    symbol: symbolSchema,
    /** New total order quantity (Kraken's amend `order_qty`), filled part included. */
    quantity: positiveDecimalString.optional(),
    limit_price: positiveDecimalString.optional(),
    trigger_price: positiveDecimalString.optional(),
    display_qty: positiveDecimalString.optional(),
  })
  .superRefine((amend, ctx) => {
    const changes = [amend.quantity, amend.limit_price, amend.trigger_price, amend.display_qty];
    if (changes.every((value) => value === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['quantity'],
        message: 'an amend changes quantity, a price or display_qty',
      });
    }
  });
export type AmendRequest = z.output<typeof amendRequestSchema>;

/** A cancel: always allowed (it only lowers risk), and recorded. */
export const cancelRequestSchema = z.strictObject({
  ...identity,
  action: z.literal('cancel'),
  /** Optional: lets the store find the order's book without a lookup. */
  symbol: symbolSchema.optional(),
});
export type CancelRequest = z.output<typeof cancelRequestSchema>;

/** Any request of the risk API: a new order, an amend or a cancel, told apart by `action`. */
export const riskRequestSchema = z.union([orderRequestSchema, amendRequestSchema, cancelRequestSchema]);
export type RiskRequest = z.output<typeof riskRequestSchema>;

export function isAmend(request: RiskRequest): request is AmendRequest {
  return request.action === 'amend';
}

export function isCancel(request: RiskRequest): request is CancelRequest {
  return request.action === 'cancel';
}

/** Whether the order may only shrink a position (Kraken's flag or the gate's intent). */
export function isReduceOnly(order: Pick<OrderRequest, 'intent' | 'reduce_only'>): boolean {
  return order.reduce_only || order.intent === 'reduce';
}

export const reasonSchema = z.object({ code: z.enum(REASON_CODES), message: z.string() });

export const decisionResponseSchema = z.object({
  decision: z.enum(['accept', 'reject']),
  order_id: z.string(),
  account_id: z.string(),
  symbol: z.string(),
  reasons: z.array(reasonSchema),
  limits_version: z.number().int().nullable(),
  mark: z
    .object({
      bid: z.string(),
      ask: z.string(),
      mid: z.string(),
      age_ms: z.number().int(),
      exchange_ts: z.string().nullable(),
    })
    .nullable(),
  evaluated_at: z.string(),
  decision_id: z.string(),
});

export type DecisionResponse = z.infer<typeof decisionResponseSchema>;
