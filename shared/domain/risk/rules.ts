import { Decimal } from '../decimal.js';
import { type AmendRequest, isReduceOnly, ORDER_TYPE_RULES, type OrderRequest, type Side } from '../order.js';
import type { Reason, ReasonCode } from '../reasons.js';
import {
  amendReservationId,
  countOpenOrders,
  measureBeforeAfter,
  NO_ORDERS,
  openOrdersNotional,
  openSide,
  type Reservation,
  type SideOrders,
  type SymbolOrders,
  sideOrdersOf,
  subtractSide,
  worstSideValue,
} from './exposure.js';
import { checkInstrumentStatus } from './instrument-status.js';
import type { AccountRecord } from './limits.js';
import { navOf } from './nav.js';
import { markCurrentAtMs, type OpenOrder, type RiskState } from './state.js';

// Short local names for what the rules use on every order. (Where these modules run as
// CommonJS, as under tsx from a script outside an ESM package, each use of an imported
// binding is also a getter call; the benches run them as ESM, where it is not.)
const ZERO = Decimal.ZERO;
const maxOf = Decimal.max;
const minOf = Decimal.min;
const TYPE_RULES = ORDER_TYPE_RULES;

/**
 * The risk rules, pure and in the contract's order. Every failing rule is reported, so a
 * strategy sees all that is wrong with an order at once. No I/O, no clock: `nowMs` is
 * passed in. Rules that need a price are skipped (not passed) when there is none, because
 * the missing price itself is already a reason to reject.
 */

const TEN_THOUSAND = Decimal.fromInteger(10_000);
const TWO = Decimal.fromInteger(2);
/** One-sided 95% normal quantile, for parametric VaR. */
const Z_95 = Decimal.parse('1.645');
/** Leveraged tokens and derivatives that may look like spot symbols. */
/** Every pair the gate trades is quoted in USD: the cash a buy spends. */
const QUOTE_ASSET = 'USD';
const NON_SPOT_BASE = /(?:PERP|FUT|\d+[LS]|BULL|BEAR|UP|DOWN)$/;

export interface Evaluation {
  readonly decision: 'accept' | 'reject';
  readonly reasons: readonly Reason[];
  /** Price used for notional: the limit price, or the touch (ask for buys, bid for sells). */
  readonly price: Decimal | null;
  readonly notional: Decimal | null;
  /** Whether the order only shrinks an existing position. */
  readonly reducesPosition: boolean;
  /**
   * The worst price the order can trade at: the largest of its limit, its static trigger
   * and, when it executes at market, the touch. Null without a price to reason from.
   */
  readonly worstPrice: Decimal | null;
  /** quantity x worstPrice: what max_order_notional and the reservation count. */
  readonly worstNotional: Decimal | null;
}

export function isUsdSpotSymbol(symbol: string): boolean {
  // One-entry memo: a pure function of the text, asked on every order, nearly always of the
  // same few symbols. One entry bounds the memory whatever symbols requests carry.
  if (symbol === lastSpotSymbol) return lastSpotAnswer;
  const slash = symbol.indexOf('/');
  const base = slash <= 0 ? '' : symbol.slice(0, slash);
  const answer = slash > 0 && symbol.slice(slash + 1) === 'USD' && !base.includes('.') && !NON_SPOT_BASE.test(base);
  lastSpotSymbol = symbol;
  lastSpotAnswer = answer;
  return answer;
}
let lastSpotSymbol: string | undefined;
let lastSpotAnswer = false;

/** Base asset of a USD pair (`BTC/USD` -> `BTC`), as Kraken's v2 balances name it. */
export function baseAsset(symbol: string): string {
  return symbol.slice(0, symbol.indexOf('/'));
}

/** True when the order moves the position toward zero without crossing it. */
export function reducesPosition(order: Pick<OrderRequest, 'side' | 'quantity'>, position: Decimal): boolean {
  if (position.isZero()) return false;
  if (order.side === 'sell') return position.isPositive() && order.quantity.lte(position);
  return position.isNegative() && order.quantity.lte(position.neg());
}

/** |a - b| / b in basis points. */
function deviationBps(a: Decimal, b: Decimal): Decimal {
  return a.sub(b).abs().mul(TEN_THOUSAND).div(b);
}

/**
 * `deviationBps(a, b)` when it exceeds `band`, else null. The division (and its rounding)
 * is done only when the exact deviation is above the band: |a - b| x 10,000 <= band x b
 * means the exact figure is at or below the band, and so is the rounded one (rounding to
 * 18 digits is monotone and the band is itself an 18-digit decimal; band x b truncated to
 * 18 digits is at most the exact product for a band >= 0). Above the band the rounded
 * figure decides, as it always did. A b at or below zero or a negative band takes the plain path.
 */
function bpsBeyond(a: Decimal, b: Decimal, band: Decimal): Decimal | null {
  if (b.isPositive() && !band.isNegative()) {
    const gap = a.sub(b);
    // At the mark (the common case) the deviation is zero: within any band >= 0.
    if (gap.isZero() || !gap.abs().mul(TEN_THOUSAND).gt(band.mul(b))) return null;
  }
  const bps = deviationBps(a, b);
  return bps.gt(band) ? bps : null;
}

/** Appends a failed rule's reason. */
function fail(reasons: Reason[], code: ReasonCode, message: string): void {
  reasons.push({ code, message });
}

/**
 * 1 + feeRateBps / 10,000. One-entry memo on the rate's identity: a Decimal never changes,
 * and the account's limits hand the same object to every decision until they are reloaded.
 */
function feeFactorOf(feeRateBps: Decimal): Decimal {
  if (feeRateBps !== lastFeeRate) {
    lastFeeFactor = Decimal.ONE.add(feeRateBps.div(TEN_THOUSAND));
    lastFeeRate = feeRateBps;
  }
  return lastFeeFactor;
}
let lastFeeRate: Decimal | undefined;
let lastFeeFactor: Decimal = Decimal.ONE;

/** A fee at `feeRateBps` on `amount`. */
function feeOf(amount: Decimal, feeRateBps: Decimal): Decimal {
  return amount.mul(feeRateBps).div(TEN_THOUSAND);
}

/** Reduce-only quantity of working plus pending orders of one side. */
function reduceOnlyQtyOf(orders: SymbolOrders | undefined, side: Side): Decimal {
  if (!orders) return ZERO;
  return orders.working[side].reduceOnlyQty.add(orders.pending[side].reduceOnlyQty);
}

/**
 * The worst price an order can trade at, from its own prices and the touch. A limit caps
 * what a buy pays, but the gate also counts the sell side at the highest of its prices:
 * a short's value grows with price, so the highest price is the worst for either side.
 */
export function worstPriceOf(order: OrderRequest, touch: Decimal | null): Decimal | null {
  const rules = TYPE_RULES[order.type];
  // The first of equal candidates wins (limit, then trigger, then touch).
  let worst: Decimal | null = order.limit_price ?? null;
  const staticTrigger = staticTriggerOf(order);
  if (staticTrigger && !worst?.gte(staticTrigger)) worst = staticTrigger;
  if (rules.atMarket || (rules.trailing && !order.limit_price)) {
    // Executes at whatever the book offers once live: without the touch there is no bound.
    if (!touch) return null;
    if (!worst?.gte(touch)) worst = touch;
  }
  return worst;
}

function staticTriggerOf(order: OrderRequest): Decimal | undefined {
  if (!order.trigger_price) return undefined;
  return (order.trigger_price_type ?? 'static') === 'static' ? order.trigger_price : undefined;
}

/** An open order an amend replaces: taken out of its side when the amended one goes in. */
export interface Replacing {
  readonly orders: SideOrders;
}

/**
 * Evaluates a new order. `replacing` is set by {@link evaluateAmend}: the order's previous
 * remaining part, counted in "before" and taken out of "after", so an amend is measured as
 * the change it makes.
 */
export function evaluateOrder(
  order: OrderRequest,
  account: AccountRecord,
  state: RiskState,
  nowMs: number,
  replacing?: Replacing,
): Evaluation {
  const reasons: Reason[] = [];
  const { limits } = account;
  const typeRules = TYPE_RULES[order.type];
  const position = state.positions.get(order.symbol) ?? ZERO;
  const symbolOrders = state.openOrders?.get(order.symbol);
  // Reduce-only is measured against what working reduce-only orders have not already claimed.
  let claimed = reduceOnlyQtyOf(symbolOrders, order.side);
  if (replacing?.orders.reduceOnlyQty.isPositive()) claimed = claimed.sub(replacing.orders.reduceOnlyQty);
  const unclaimed = position.isPositive() ? maxOf(ZERO, position.sub(claimed)) : minOf(ZERO, position.add(claimed));
  const wantsReduce = isReduceOnly(order);
  const reduceOnly = wantsReduce && reducesPosition(order, unclaimed);
  // Hedge and genuinely reduce-only orders pass breakers (they lower risk); never the kill switch.
  const breakerExempt = reduceOnly || order.intent === 'hedge';

  if (!account.enabled) fail(reasons, 'ACCOUNT_DISABLED', `account ${account.accountId} is disabled`);
  if (state.accountFeedUsable === false) {
    fail(reasons, 'ACCOUNT_FEED_UNAVAILABLE', `the private Kraken feed of ${account.accountId} is not live`);
  }

  // 1. Instrument: USD spot only, then Kraken's increments and minimums.
  if (!isUsdSpotSymbol(order.symbol)) {
    fail(reasons, 'SYMBOL_NOT_USD_SPOT', `${order.symbol} is not a USD spot pair`);
  } else if (!state.instrument) {
    fail(reasons, 'INSTRUMENT_UNKNOWN', `no Kraken instrument data for ${order.symbol}`);
  } else {
    const instrument = state.instrument;
    // Kraken's pair status as read with this decision: a change takes effect on the next order.
    const status = checkInstrumentStatus(order.symbol, instrument.status, {
      action: replacing ? 'amend' : 'new',
      type: order.type,
      postOnly: order.post_only,
      reduceOnly: order.reduce_only,
    });
    if (!status.admitted) fail(reasons, status.code, status.detail);
    if (order.limit_price && !order.limit_price.isMultipleOf(instrument.priceIncrement)) {
      fail(reasons, 'PRICE_INCREMENT', `limit_price must be a multiple of ${instrument.priceIncrement}`);
    }
    const staticTrigger = staticTriggerOf(order);
    if (staticTrigger && !staticTrigger.isMultipleOf(instrument.priceIncrement)) {
      fail(reasons, 'PRICE_INCREMENT', `trigger_price must be a multiple of ${instrument.priceIncrement}`);
    }
    if (!order.quantity.isMultipleOf(instrument.qtyIncrement)) {
      fail(reasons, 'QUANTITY_INCREMENT', `quantity must be a multiple of ${instrument.qtyIncrement}`);
    }
    if (order.display_qty && !order.display_qty.isMultipleOf(instrument.qtyIncrement)) {
      fail(reasons, 'QUANTITY_INCREMENT', `display_qty must be a multiple of ${instrument.qtyIncrement}`);
    }
    if (order.quantity.lt(instrument.qtyMin)) {
      fail(reasons, 'BELOW_MIN_QUANTITY', `quantity is below Kraken's minimum ${instrument.qtyMin}`);
    }
  }

  // 2. Market data: present, fresh, and not from a reconnecting feed.
  const mark = state.mark;
  if (!mark) {
    fail(reasons, 'MARK_UNAVAILABLE', `no market data for ${order.symbol}`);
  } else {
    const ageMs = nowMs - markCurrentAtMs(mark);
    if (!mark.live) fail(reasons, 'MARKET_DATA_STALE', `market data for ${order.symbol} is stale (feed resyncing)`);
    else if (ageMs > limits.mark_max_age_ms) {
      fail(reasons, 'MARKET_DATA_STALE', `market data is ${ageMs} ms old (max ${limits.mark_max_age_ms} ms)`);
    }
    // 3. Spread breaker.
    if (!breakerExempt && mark.spreadBps.gt(limits.spread_limit_bps)) {
      fail(
        reasons,
        'SPREAD_CIRCUIT_BREAKER',
        `spread ${mark.spreadBps.toFixed(2)} bps exceeds ${limits.spread_limit_bps} bps`,
      );
    }
  }

  // 4. Symbol breaker (volatility, depeg, reference deviation).
  if (state.breaker && !breakerExempt) {
    fail(reasons, 'SYMBOL_BREAKER_TRIPPED', `${order.symbol} breaker tripped: ${state.breaker.reason}`);
  }

  // 5. Kill switch: everything rejected except reduce-only orders where the switch allows them.
  for (const kill of state.killSwitches) {
    if (!(reduceOnly && kill.allowReduceOnly)) {
      fail(reasons, 'KILL_SWITCH_ACTIVE', `${kill.scope} kill switch engaged: ${kill.reason}`);
      break;
    }
  }

  // 6. Universe whitelist (global, then the account's own list).
  if (state.universe && !state.universe.has(order.symbol)) {
    fail(reasons, 'SYMBOL_NOT_IN_UNIVERSE', `${order.symbol} is not in the tradable universe`);
  } else if (limits.allowed_symbols.length > 0 && !limits.allowed_symbols.includes(order.symbol)) {
    fail(reasons, 'SYMBOL_NOT_IN_UNIVERSE', `${order.symbol} is not allowed for account ${account.accountId}`);
  }

  // Price for notional: the limit, or the touch the market order would take.
  const touch = mark ? (order.side === 'buy' ? mark.ask : mark.bid) : null;
  const price = order.limit_price ?? touch;
  const notional = price ? price.mul(order.quantity) : null;
  const worstPrice = worstPriceOf(order, touch);
  // A limit or market order's worst price is its price: one product for both.
  const worstNotional = worstPrice === price ? notional : worstPrice ? worstPrice.mul(order.quantity) : null;

  // 7. Order size: the minimum on the expected price, the maximum on the worst one.
  if (notional?.lt(limits.min_trade_notional)) {
    fail(reasons, 'MIN_TRADE_NOTIONAL', `notional ${notional} is below ${limits.min_trade_notional}`);
  }
  if (worstNotional?.gt(limits.max_order_notional)) {
    fail(reasons, 'MAX_ORDER_NOTIONAL', `notional ${worstNotional} exceeds ${limits.max_order_notional}`);
  }
  if (order.quantity.gt(limits.max_order_quantity)) {
    fail(reasons, 'MAX_ORDER_QUANTITY', `quantity ${order.quantity} exceeds ${limits.max_order_quantity}`);
  }
  if (order.expire_time && Date.parse(order.expire_time) <= nowMs) {
    fail(reasons, 'EXPIRE_TIME_PASSED', `expire_time ${order.expire_time} has passed`);
  }

  // 7b. Open orders: working plus reserved, this one included (an amend replaces its own).
  const open = countOpenOrders(state.openOrders, order.symbol);
  const adding = replacing ? 0 : 1;
  if (open.total + adding > limits.max_open_orders) {
    fail(reasons, 'MAX_OPEN_ORDERS', `${open.total + adding} open orders would exceed ${limits.max_open_orders}`);
  }
  if (open.symbol + adding > limits.max_open_orders_per_symbol) {
    fail(
      reasons,
      'MAX_OPEN_ORDERS_SYMBOL',
      `${open.symbol + adding} open ${order.symbol} orders would exceed ${limits.max_open_orders_per_symbol}`,
    );
  }

  // 8. Fat finger: every absolute price of the order against the mark, then the reference.
  const staticTrigger = staticTriggerOf(order);
  if (mark) {
    if (order.limit_price && !typeRules.trigger) {
      const bps = bpsBeyond(order.limit_price, mark.mid, limits.price_band_mark_bps);
      if (bps) {
        fail(reasons, 'PRICE_BAND_MARK', `limit_price is ${bps.toFixed(1)} bps from mark ${mark.mid}`);
      }
    }
    if (staticTrigger) {
      const bps = bpsBeyond(staticTrigger, mark.mid, limits.trigger_band_bps);
      if (bps) {
        fail(reasons, 'PRICE_BAND_MARK', `trigger_price is ${bps.toFixed(1)} bps from mark ${mark.mid}`);
      }
    }
    if (order.limit_price && typeRules.trigger) {
      // A stop-limit goes live at its trigger: its limit belongs near the trigger, not the mark.
      const anchor = staticTrigger ?? mark.mid;
      const band = staticTrigger ? limits.price_band_mark_bps : limits.trigger_band_bps;
      const bps = bpsBeyond(order.limit_price, anchor, band);
      if (bps) {
        fail(
          reasons,
          'PRICE_BAND_MARK',
          `limit_price is ${bps.toFixed(1)} bps from ${staticTrigger ? 'trigger' : 'mark'} ${anchor}`,
        );
      }
    }
  }
  const reference =
    state.reference && nowMs - state.reference.updatedAtMs <= limits.reference_max_age_ms ? state.reference : null;
  if (price && reference) {
    // The first price beyond its band is reported (trigger, then limit, then touch).
    const ref = reference.price;
    let what = 'price';
    let bps: Decimal | null = null;
    if (typeRules.trigger) {
      if (staticTrigger) {
        what = 'trigger_price';
        bps = bpsBeyond(staticTrigger, ref, limits.trigger_band_bps);
      }
      if (!bps && order.limit_price) {
        what = 'limit_price';
        bps = bpsBeyond(order.limit_price, ref, limits.trigger_band_bps);
      }
      if (!bps && typeRules.atMarket && touch) {
        what = 'price';
        bps = bpsBeyond(touch, ref, limits.price_band_reference_bps);
      }
    } else {
      bps = bpsBeyond(price, ref, limits.price_band_reference_bps);
    }
    if (bps) fail(reasons, 'PRICE_BAND_REFERENCE', `${what} is ${bps.toFixed(1)} bps from reference ${ref}`);
  } else if (limits.reference_required) {
    fail(reasons, 'REFERENCE_PRICE_UNAVAILABLE', `no fresh reference price for ${order.symbol}`);
  }

  // 8b. Reduce-only: Kraken's flag is a promise the gate holds the strategy to.
  if (order.reduce_only && !reduceOnly) {
    fail(
      reasons,
      'REDUCE_ONLY_EXCEEDS_POSITION',
      `reduce-only ${order.side} ${order.quantity} exceeds the position ${position} less working reduce-only orders`,
    );
  }

  // 8c. Spot is a cash market: a sell needs the coins, a buy needs the dollars.
  // The replaced order's part of its own side (an amend), or nothing.
  const replacedSide = replacing && !replacing.orders.qty.isZero() ? replacing.orders : NO_ORDERS;
  if (order.side === 'sell') {
    const holding = state.balances ? (state.balances.get(baseAsset(order.symbol)) ?? ZERO) : maxOf(position, ZERO);
    const committed = subtractSide(openSide(symbolOrders, 'sell'), replacedSide).qty;
    const available = holding.sub(committed);
    if (order.quantity.gt(available)) {
      fail(
        reasons,
        'INSUFFICIENT_HOLDING',
        `sell ${order.quantity} exceeds the ${baseAsset(order.symbol)} holding ${holding} less ${committed} in open sells`,
      );
    }
  } else if (state.balances && worstNotional) {
    const feeFactor = feeFactorOf(limits.fee_rate_bps);
    let committed = ZERO;
    if (state.openOrders) {
      for (const [symbol, orders] of state.openOrders) {
        let buys = openSide(orders, 'buy');
        if (symbol === order.symbol) buys = subtractSide(buys, replacedSide);
        const valuation = symbol === order.symbol ? (mark?.mid ?? null) : (state.marks.get(symbol) ?? null);
        committed = committed.add(valuation ? worstSideValue(buys, valuation) : buys.notional);
      }
    }
    const cash = state.balances.get(QUOTE_ASSET) ?? ZERO;
    const needed = worstNotional.mul(feeFactor);
    const left = committed.isZero() ? cash : cash.sub(committed.mul(feeFactor));
    if (needed.gt(left)) {
      fail(reasons, 'INSUFFICIENT_CASH', `buy needs ${needed} USD with fees; ${left} left after open buys`);
    }
  }

  // 9. Daily loss cap: realised loss today plus the order's projected loss (caller's figure
  // only tightens).
  const realisedLoss = state.dailyRealisedPnl.isNegative() ? state.dailyRealisedPnl.neg() : ZERO;
  const projectedLoss = order.projected_loss ?? ZERO;
  if (realisedLoss.add(projectedLoss).gt(limits.loss_cap)) {
    fail(reasons, 'LOSS_CAP_BREACH', `daily loss ${realisedLoss.add(projectedLoss)} would exceed ${limits.loss_cap}`);
  }

  // 10. Fee budget: today's fees, plus what working and reserved orders will pay, plus this one.
  if (worstNotional) {
    const ownFee = feeOf(worstNotional, limits.fee_rate_bps);
    const fee = order.projected_fee?.gt(ownFee) ? order.projected_fee : ownFee;
    let openNotional = openOrdersNotional(state.openOrders);
    if (replacing) openNotional = maxOf(ZERO, openNotional.sub(replacing.orders.notional));
    const openFee = openNotional.isZero() ? ZERO : feeOf(openNotional, limits.fee_rate_bps);
    const total = state.dailyFees.add(openFee).add(fee);
    if (total.gt(limits.fee_cap)) {
      fail(reasons, 'FEE_BUDGET_BREACH', `fees ${total} would exceed ${limits.fee_cap}`);
    }
  }

  // NAV behind the percentage caps: fixed, or from balances x marks. Unknown rejects every
  // order, reducing ones included: the gate cannot tell what the account is worth.
  const navOutcome = navOf(limits, state);
  if (!navOutcome.known) fail(reasons, 'NAV_UNAVAILABLE', navOutcome.detail);
  const nav = navOutcome.known ? navOutcome.nav : null;

  // 11-13, 15-16. Exposure limits on the worst case of position + working + reserved, the
  // order's symbol valued at the larger of its mark and the order's worst price. They bind
  // only orders that increase the measured figure, so an over-limit book can always be reduced.
  if (worstPrice) {
    const symbolPrice = maxOf(worstPrice, state.marks.get(order.symbol) ?? worstPrice);
    // sideOrdersOf(quantity, worstPrice, wantsReduce), with the product already made.
    const self: SideOrders = {
      qty: order.quantity,
      notional: worstNotional ?? worstPrice.mul(order.quantity),
      count: 1,
      reduceOnlyQty: wantsReduce ? order.quantity : ZERO,
    };
    const measured = measureBeforeAfter(
      state,
      order.symbol,
      symbolPrice,
      { symbol: order.symbol, side: order.side, orders: self },
      replacing ? { symbol: order.symbol, side: order.side, orders: replacing.orders } : null,
    );
    if (!measured) {
      fail(reasons, 'MARK_UNAVAILABLE', 'a held position or open order has no mark to value it');
    } else {
      const { before, after } = measured;
      const navCap = nav?.mul(limits.max_nav_percent);
      if (navCap && after.net.gt(navCap) && after.net.gt(before.net)) {
        fail(reasons, 'NAV_LIMIT_BREACH', `|net exposure| ${after.net} would exceed ${navCap} (NAV x max_nav_percent)`);
      }
      const varAfter = after.gross.mul(limits.default_daily_vol).mul(Z_95);
      const varBefore = before.gross.mul(limits.default_daily_vol).mul(Z_95);
      const varFigure = order.var_95?.gt(varAfter) ? order.var_95 : varAfter;
      if (varFigure.gt(limits.var_limit) && (varAfter.gt(varBefore) || varFigure !== varAfter)) {
        fail(reasons, 'VAR_BREACH', `VaR(95%) ${varFigure.toFixed(2)} would exceed ${limits.var_limit}`);
      }
      const increasesSymbol = after.symbolValue.gt(before.symbolValue);
      const concentrationCap = nav?.mul(limits.max_single_instrument_percent);
      if (concentrationCap && increasesSymbol && after.symbolValue.gt(concentrationCap)) {
        fail(
          reasons,
          'DIVERSIFICATION_BREACH',
          `${order.symbol} exposure ${after.symbolValue} would exceed ${concentrationCap}`,
        );
      }
      const qtyCap = limits.max_position_quantity[order.symbol];
      if (qtyCap && after.symbolQty.gt(before.symbolQty) && after.symbolQty.gt(qtyCap)) {
        fail(reasons, 'POSITION_LIMIT_BREACH', `position ${after.symbolQty} would exceed ${qtyCap} ${order.symbol}`);
      } else if (!qtyCap && increasesSymbol && after.symbolValue.gt(limits.max_position_notional)) {
        fail(
          reasons,
          'POSITION_LIMIT_BREACH',
          `position notional ${after.symbolValue} would exceed ${limits.max_position_notional}`,
        );
      }
      if (after.openNotional.gt(limits.max_open_notional) && after.openNotional.gt(before.openNotional)) {
        fail(
          reasons,
          'MAX_OPEN_NOTIONAL',
          `open orders' notional ${after.openNotional} would exceed ${limits.max_open_notional}`,
        );
      }
    }
  }

  // 14. Feed latency breaker.
  if (mark && mark.exchangeTsMs !== null && !breakerExempt) {
    const latency = mark.receiveTsMs - mark.exchangeTsMs;
    if (latency > limits.latency_limit_ms) {
      fail(reasons, 'LATENCY_CIRCUIT_BREAKER', `feed latency ${latency} ms exceeds ${limits.latency_limit_ms} ms`);
    }
  }

  // 17. Order-rate throttle.
  if (state.ordersInWindow > limits.max_orders_per_window) {
    fail(
      reasons,
      'ORDER_RATE_LIMIT',
      `${state.ordersInWindow} orders in ${limits.order_rate_window_ms} ms (max ${limits.max_orders_per_window})`,
    );
  }

  return {
    decision: reasons.length === 0 ? 'accept' : 'reject',
    reasons,
    price,
    notional,
    reducesPosition: reduceOnly,
    worstPrice,
    worstNotional,
  };
}

/**
 * Evaluates an amend as the change it makes to an order the gate knows (its reservation,
 * or its working order on Kraken): the amended order must pass every rule a new one would,
 * with the old remaining quantity taken out of the book first.
 */
export function evaluateAmend(
  amend: AmendRequest,
  account: AccountRecord,
  state: RiskState,
  nowMs: number,
): Evaluation {
  const target = state.amendTarget;
  const rejectWith = (code: ReasonCode, message: string): Evaluation => ({
    decision: 'reject',
    reasons: [{ code, message }],
    price: null,
    notional: null,
    reducesPosition: false,
    worstPrice: null,
    worstNotional: null,
  });
  if (!target || target.symbol !== amend.symbol) {
    return rejectWith('ORDER_NOT_FOUND', `no open order ${amend.order_id} in ${amend.symbol} to amend`);
  }
  const typeRules = ORDER_TYPE_RULES[target.type];
  const misfit = [
    amend.limit_price && !typeRules.limitPrice ? 'limit_price' : null,
    amend.trigger_price && !typeRules.trigger ? 'trigger_price' : null,
    amend.display_qty && target.type !== 'iceberg' ? 'display_qty' : null,
  ].filter((field) => field !== null);
  if (misfit.length > 0) {
    return rejectWith('AMEND_NOT_APPLICABLE', `a ${target.type} order has no ${misfit.join(', ')} to amend`);
  }
  const newTotal = amend.quantity ?? target.orderQty;
  if (newTotal.lte(target.filledQty)) {
    return rejectWith('AMEND_BELOW_FILLED', `quantity ${newTotal} is not above the filled ${target.filledQty}`);
  }
  const remainingBefore = maxOf(ZERO, target.orderQty.sub(target.filledQty));
  const order: OrderRequest = {
    account_id: amend.account_id,
    order_id: amend.order_id,
    symbol: target.symbol,
    side: target.side,
    type: target.type,
    quantity: newTotal.sub(target.filledQty),
    limit_price: amend.limit_price ?? target.limitPrice,
    trigger_price: amend.trigger_price ?? target.triggerPrice,
    // A trailing order's trigger is a distance: never band it or price it as a level.
    trigger_price_type: typeRules.trailing ? 'quote' : typeRules.trigger ? 'static' : undefined,
    display_qty: amend.display_qty,
    post_only: false,
    reduce_only: target.reduceOnly,
    time_in_force: 'gtc',
    intent: target.reduceOnly ? 'reduce' : 'open',
  };
  const replacing: Replacing = {
    orders: sideOrdersOf(remainingBefore, target.worstPrice, target.reduceOnly),
  };
  return evaluateOrder(order, account, state, nowMs, replacing);
}

/**
 * A cancel only ever lowers risk, so it is always accepted (and recorded). It releases
 * nothing by itself: the order may fill before the cancel lands, so its reservation or
 * working quantity goes only when Kraken reports it canceled.
 */
export function evaluateCancel(): Evaluation {
  return {
    decision: 'accept',
    reasons: [],
    price: null,
    notional: null,
    reducesPosition: false,
    worstPrice: null,
    worstNotional: null,
  };
}

/**
 * The reservation an accepted new order (or amend) creates; null for a reject. The store
 * writes it in the same atomic step as the decision.
 */
export function reservationFor(
  order: OrderRequest,
  evaluation: Evaluation,
  decisionId: string,
  nowMs: number,
  ttlMs: number,
): Reservation | null {
  if (evaluation.decision !== 'accept' || !evaluation.worstPrice) return null;
  const triggerPrice = staticTriggerOf(order);
  return {
    accountId: order.account_id,
    orderId: order.order_id,
    decisionId,
    symbol: order.symbol,
    side: order.side,
    type: order.type,
    qty: order.quantity,
    ...(order.limit_price ? { limitPrice: order.limit_price } : {}),
    ...(triggerPrice ? { triggerPrice } : {}),
    worstPrice: evaluation.worstPrice,
    reduceOnly: isReduceOnly(order),
    createdAtMs: nowMs,
    expiresAtMs: nowMs + ttlMs,
  };
}

/** Mid of a bid/ask pair. */
export function midOf(bid: Decimal, ask: Decimal): Decimal {
  return bid.add(ask).div(TWO);
}

/**
 * The reservation an accepted amend writes. For an order still pending it replaces the
 * order's reservation. For a working order it reserves the whole amended remainder under
 * its own key (`<order_id>#amend`) while the working order still counts the old one: double
 * counted until Kraken reports the amend, which releases it; never under counted.
 */
export function amendReservationFor(
  amend: AmendRequest,
  target: OpenOrder,
  evaluation: Evaluation,
  decisionId: string,
  nowMs: number,
  ttlMs: number,
): Reservation | null {
  if (evaluation.decision !== 'accept' || !evaluation.worstPrice) return null;
  const limitPrice = amend.limit_price ?? target.limitPrice;
  const triggerPrice = amend.trigger_price ?? target.triggerPrice;
  return {
    accountId: amend.account_id,
    orderId: target.stage === 'pending' ? amend.order_id : amendReservationId(amend.order_id),
    decisionId,
    symbol: target.symbol,
    side: target.side,
    type: target.type,
    qty: (amend.quantity ?? target.orderQty).sub(target.filledQty),
    ...(limitPrice ? { limitPrice } : {}),
    ...(triggerPrice ? { triggerPrice } : {}),
    worstPrice: evaluation.worstPrice,
    reduceOnly: target.reduceOnly,
    createdAtMs: nowMs,
    expiresAtMs: nowMs + ttlMs,
  };
}
