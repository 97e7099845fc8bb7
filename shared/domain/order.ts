import { z } from 'zod';
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
export const orderTypeSchema = z.enum(['limit', 'market']);
/** open: adds risk; reduce: only shrinks a position; hedge: offsets risk held elsewhere. */
export const intentSchema = z.enum(['open', 'reduce', 'hedge']);

export type Side = z.infer<typeof sideSchema>;
export type OrderType = z.infer<typeof orderTypeSchema>;
export type Intent = z.infer<typeof intentSchema>;

export const orderRequestSchema = z
  .strictObject({
    account_id: accountIdSchema,
    order_id: orderIdSchema,
    symbol: symbolSchema,
    side: sideSchema,
    type: orderTypeSchema,
    quantity: positiveDecimalString,
    limit_price: positiveDecimalString.optional(),
    intent: intentSchema.default('open'),
    /** Caller figures only ever tighten a check: the gate uses max(own, caller). */
    var_95: decimalString.optional(),
    projected_fee: decimalString.optional(),
    projected_loss: decimalString.optional(),
  })
  .superRefine((order, ctx) => {
    if (order.type === 'limit' && order.limit_price === undefined) {
      ctx.addIssue({ code: 'custom', path: ['limit_price'], message: 'required for limit orders' });
    }
    if (order.type === 'market' && order.limit_price !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['limit_price'], message: 'not allowed for market orders' });
    }
  });

/** A validated order request, amounts as {@link Decimal}. */
export type OrderRequest = z.output<typeof orderRequestSchema>;

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
