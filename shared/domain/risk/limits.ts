import * as z from 'zod';
import { Decimal } from '../decimal.js';
import { decimalString, symbolSchema } from '../order.js';

/**
 * Per-account risk limits. Stored in Postgres as a JSON object of decimal strings (one row
 * per version), parsed here once per cache fill, so rules compare {@link Decimal}s only.
 *
 * Semantics, everywhere: a value equal to its limit passes; one unit over it rejects.
 * Minimums likewise: equal passes, below rejects.
 */
const positive = decimalString.refine((d) => d.isPositive(), 'must be greater than 0');
const fraction = decimalString.refine((d) => d.isPositive() && d.lte(Decimal.ONE), 'must be in (0, 1]');
const positiveInt = z.number().int().positive();

export const accountLimitsSchema = z.strictObject({
  /** Net asset value the percentage limits are measured against (USD). */
  nav: positive,
  /**
   * Where NAV comes from: `fixed` uses `nav` above; `balances` values the account's Kraken
   * balances at mark mid (USD + sum of asset x mid) and rejects with NAV_UNAVAILABLE while that
   * cannot be computed. `nav` stays required as the figure a switch back to `fixed` uses.
   */
  nav_source: z.enum(['fixed', 'balances']).default('fixed'),
  /** Daily realised loss (plus projected loss of the order) may not exceed this (USD). */
  loss_cap: positive.default(Decimal.parse('50000')),
  /** Daily fees (plus the order's projected fee) may not exceed this (USD). */
  fee_cap: positive.default(Decimal.parse('5000')),
  /** Fee rate used to project an order's fee, in basis points of notional. */
  fee_rate_bps: decimalString.default(Decimal.parse('26')),
  /** |net exposure| / NAV after the order. */
  max_nav_percent: fraction.default(Decimal.parse('0.20')),
  /** 95% one-day VaR after the order (USD). */
  var_limit: positive.default(Decimal.parse('250000')),
  /** One-day volatility assumed for VaR when no realised figure is known (fraction). */
  default_daily_vol: fraction.default(Decimal.parse('0.05')),
  spread_limit_bps: positive.default(Decimal.parse('25')),
  /** Feed latency (exchange ts -> receive ts) allowed for the mark used. */
  latency_limit_ms: positiveInt.default(250),
  /** |position notional in one instrument| / NAV after the order. */
  max_single_instrument_percent: fraction.default(Decimal.parse('0.35')),
  min_trade_notional: decimalString.default(Decimal.parse('10')),
  max_order_notional: positive.default(Decimal.parse('250000')),
  max_order_quantity: positive.default(Decimal.parse('100')),
  /** Per-symbol cap on |position quantity| after the order; symbols absent are capped by notional. */
  max_position_quantity: z.record(symbolSchema, positive).default({}),
  /** Cap on |position notional| per instrument after the order (USD). */
  max_position_notional: positive.default(Decimal.parse('500000')),
  /** Fat-finger band: |limit price - mark mid| / mid, in basis points. */
  price_band_mark_bps: positive.default(Decimal.parse('200')),
  /** Band against the reference (CoinGecko) price, in basis points; wider, as it lags. */
  price_band_reference_bps: positive.default(Decimal.parse('500')),
  /** Reject when no fresh reference price exists (off by default: it only catches bad marks). */
  reference_required: z.boolean().default(false),
  /** A reference price older than this is ignored. */
  reference_max_age_ms: positiveInt.default(180_000),
  /** Marks older than this are stale: reject. */
  mark_max_age_ms: positiveInt.default(1_000),
  /** Order-rate throttle: at most this many validations per window per account. */
  max_orders_per_window: positiveInt.default(50),
  order_rate_window_ms: positiveInt.default(1_000),
  /**
   * Open orders (working on Kraken plus reserved by the gate, both sides) the account may
   * have, this one included. The default is far above what a strategy of this desk runs and
   * well under Kraken's own per-pair open-order caps; it exists to stop a runaway loop.
   */
  max_open_orders: positiveInt.default(200),
  /** The same, per symbol. */
  max_open_orders_per_symbol: positiveInt.default(50),
  /**
   * Sum of the worst-case notional of every open order, both sides, this one included
   * (USD). Default: four orders at the default max_order_notional.
   */
  max_open_notional: positive.default(Decimal.parse('1000000')),
  /**
   * Band for trigger prices (and the limit of a trailing order, whose trigger is relative):
   * |trigger - mark mid| / mid and against the reference, in basis points. Wider than the
   * limit band because stops rest away from the market by design. The limit of a stop-limit
   * or take-profit-limit is banded against its own trigger with price_band_mark_bps.
   */
  trigger_band_bps: positive.default(Decimal.parse('1000')),
  /**
   * A reservation Kraken never acknowledges stops counting after this long (the strategy
   * did not send the order, or Kraken refused it unseen). Long enough for a send and an
   * acknowledgement over a slow link; short enough that a lost order frees its limit soon.
   */
  reservation_ttl_ms: positiveInt.default(30_000),
  /** Symbols this account may trade; empty = any symbol in the global universe. */
  allowed_symbols: z.array(symbolSchema).default([]),
});

export type AccountLimits = z.output<typeof accountLimitsSchema>;
/** Limits as stored and sent on the wire: decimal strings. */
export type AccountLimitsInput = z.input<typeof accountLimitsSchema>;

/** An account with the limits version in force. */
export interface AccountRecord {
  readonly accountId: string;
  readonly enabled: boolean;
  readonly limitsVersion: number;
  readonly limits: AccountLimits;
}

/** Parses stored limits; throws a ZodError naming the bad field. */
export function parseLimits(stored: unknown): AccountLimits {
  return accountLimitsSchema.parse(stored);
}
