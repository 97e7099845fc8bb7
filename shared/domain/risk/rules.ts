import { Decimal } from '../decimal.js';
import type { OrderRequest } from '../order.js';
import type { Reason, ReasonCode } from '../reasons.js';
import type { AccountRecord } from './limits.js';
import { markCurrentAtMs, type RiskState } from './state.js';

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
const NON_SPOT_BASE = /(?:PERP|FUT|\d+[LS]|BULL|BEAR|UP|DOWN)$/;

export interface Evaluation {
  readonly decision: 'accept' | 'reject';
  readonly reasons: readonly Reason[];
  /** Price used for notional: the limit price, or the touch (ask for buys, bid for sells). */
  readonly price: Decimal | null;
  readonly notional: Decimal | null;
  /** Whether the order only shrinks an existing position. */
  readonly reducesPosition: boolean;
}

export function isUsdSpotSymbol(symbol: string): boolean {
  const slash = symbol.indexOf('/');
  if (slash <= 0) return false;
  const base = symbol.slice(0, slash);
  return symbol.slice(slash + 1) === 'USD' && !base.includes('.') && !NON_SPOT_BASE.test(base);
}

/** Signed quantity the order adds to the position (sells negative). */
function signedQuantity(order: OrderRequest): Decimal {
  return order.side === 'buy' ? order.quantity : order.quantity.neg();
}

/** True when the order moves the position toward zero without crossing it. */
export function reducesPosition(order: OrderRequest, position: Decimal): boolean {
  if (position.isZero()) return false;
  if (order.side === 'sell') return position.isPositive() && order.quantity.lte(position);
  return position.isNegative() && order.quantity.lte(position.neg());
}

/** |a - b| / b in basis points. */
function deviationBps(a: Decimal, b: Decimal): Decimal {
  return a.sub(b).abs().mul(TEN_THOUSAND).div(b);
}

export function evaluateOrder(
  order: OrderRequest,
  account: AccountRecord,
  state: RiskState,
  nowMs: number,
): Evaluation {
  const reasons: Reason[] = [];
  const fail = (code: ReasonCode, message: string) => {
    reasons.push({ code, message });
  };
  const { limits } = account;
  const position = state.positions.get(order.symbol) ?? Decimal.ZERO;
  const reduceOnly = order.intent === 'reduce' && reducesPosition(order, position);
  // Hedge and genuinely reduce-only orders pass breakers (they lower risk); never the kill switch.
  const breakerExempt = reduceOnly || order.intent === 'hedge';

  if (!account.enabled) fail('ACCOUNT_DISABLED', `account ${account.accountId} is disabled`);

  // 1. Instrument: USD spot only, then Kraken's increments and minimums.
  if (!isUsdSpotSymbol(order.symbol)) {
    fail('SYMBOL_NOT_USD_SPOT', `${order.symbol} is not a USD spot pair`);
  } else if (!state.instrument) {
    fail('INSTRUMENT_UNKNOWN', `no Kraken instrument data for ${order.symbol}`);
  } else {
    const instrument = state.instrument;
    if (instrument.status !== 'online') {
      fail('INSTRUMENT_NOT_TRADING', `${order.symbol} is ${instrument.status} on Kraken`);
    }
    if (order.limit_price && !order.limit_price.isMultipleOf(instrument.priceIncrement)) {
      fail('PRICE_INCREMENT', `limit_price must be a multiple of ${instrument.priceIncrement}`);
    }
    if (!order.quantity.isMultipleOf(instrument.qtyIncrement)) {
      fail('QUANTITY_INCREMENT', `quantity must be a multiple of ${instrument.qtyIncrement}`);
    }
    if (order.quantity.lt(instrument.qtyMin)) {
      fail('BELOW_MIN_QUANTITY', `quantity is below Kraken's minimum ${instrument.qtyMin}`);
    }
  }

  // 2. Market data: present, fresh, and not from a reconnecting feed.
  const mark = state.mark;
  if (!mark) {
    fail('MARK_UNAVAILABLE', `no market data for ${order.symbol}`);
  } else {
    const ageMs = nowMs - markCurrentAtMs(mark);
    if (!mark.live) fail('MARKET_DATA_STALE', `market data for ${order.symbol} is stale (feed resyncing)`);
    else if (ageMs > limits.mark_max_age_ms) {
      fail('MARKET_DATA_STALE', `market data is ${ageMs} ms old (max ${limits.mark_max_age_ms} ms)`);
    }
    // 3. Spread breaker.
    if (!breakerExempt && mark.spreadBps.gt(limits.spread_limit_bps)) {
      fail('SPREAD_CIRCUIT_BREAKER', `spread ${mark.spreadBps.toFixed(2)} bps exceeds ${limits.spread_limit_bps} bps`);
    }
  }

  // 4. Symbol breaker (volatility, depeg, reference deviation).
  if (state.breaker && !breakerExempt) {
    fail('SYMBOL_BREAKER_TRIPPED', `${order.symbol} breaker tripped: ${state.breaker.reason}`);
  }

  // 5. Kill switch: everything rejected except reduce-only orders where the switch allows them.
  for (const kill of state.killSwitches) {
    if (!(reduceOnly && kill.allowReduceOnly)) {
      fail('KILL_SWITCH_ACTIVE', `${kill.scope} kill switch engaged: ${kill.reason}`);
      break;
    }
  }

  // 6. Universe whitelist (global, then the account's own list).
  if (state.universe && !state.universe.has(order.symbol)) {
    fail('SYMBOL_NOT_IN_UNIVERSE', `${order.symbol} is not in the tradable universe`);
  } else if (limits.allowed_symbols.length > 0 && !limits.allowed_symbols.includes(order.symbol)) {
    fail('SYMBOL_NOT_IN_UNIVERSE', `${order.symbol} is not allowed for account ${account.accountId}`);
  }

  // Price for notional: the limit, or the touch the market order would take.
  const price = order.limit_price ?? (mark ? (order.side === 'buy' ? mark.ask : mark.bid) : null);
  const notional = price ? price.mul(order.quantity) : null;

  // 7. Order size.
  if (notional?.lt(limits.min_trade_notional)) {
    fail('MIN_TRADE_NOTIONAL', `notional ${notional} is below ${limits.min_trade_notional}`);
  }
  if (notional?.gt(limits.max_order_notional)) {
    fail('MAX_ORDER_NOTIONAL', `notional ${notional} exceeds ${limits.max_order_notional}`);
  }
  if (order.quantity.gt(limits.max_order_quantity)) {
    fail('MAX_ORDER_QUANTITY', `quantity ${order.quantity} exceeds ${limits.max_order_quantity}`);
  }

  // 8. Fat finger: price band against the mark, then against the reference price.
  if (price && mark && order.limit_price) {
    const bps = deviationBps(order.limit_price, mark.mid);
    if (bps.gt(limits.price_band_mark_bps)) {
      fail('PRICE_BAND_MARK', `limit_price is ${bps.toFixed(1)} bps from mark ${mark.mid}`);
    }
  }
  const reference =
    state.reference && nowMs - state.reference.updatedAtMs <= limits.reference_max_age_ms ? state.reference : null;
  if (price && reference) {
    const bps = deviationBps(price, reference.price);
    if (bps.gt(limits.price_band_reference_bps)) {
      fail('PRICE_BAND_REFERENCE', `price is ${bps.toFixed(1)} bps from reference ${reference.price}`);
    }
  } else if (limits.reference_required) {
    fail('REFERENCE_PRICE_UNAVAILABLE', `no fresh reference price for ${order.symbol}`);
  }

  // 9. Daily loss cap: realised loss today plus the order's projected loss (caller's figure
  // only tightens).
  const realisedLoss = state.dailyRealisedPnl.isNegative() ? state.dailyRealisedPnl.neg() : Decimal.ZERO;
  const projectedLoss = order.projected_loss ?? Decimal.ZERO;
  if (realisedLoss.add(projectedLoss).gt(limits.loss_cap)) {
    fail('LOSS_CAP_BREACH', `daily loss ${realisedLoss.add(projectedLoss)} would exceed ${limits.loss_cap}`);
  }

  // 10. Fee budget.
  if (notional) {
    const ownFee = notional.mul(limits.fee_rate_bps).div(TEN_THOUSAND);
    const fee = order.projected_fee?.gt(ownFee) ? order.projected_fee : ownFee;
    if (state.dailyFees.add(fee).gt(limits.fee_cap)) {
      fail('FEE_BUDGET_BREACH', `fees ${state.dailyFees.add(fee)} would exceed ${limits.fee_cap}`);
    }
  }

  // 11-13, 15-16. Exposure limits, on post-trade positions valued at marks. They bind only
  // orders that increase the measured figure, so an over-limit book can always be reduced.
  if (price) {
    const exposure = measureExposure(order, state, price);
    if (!exposure) {
      fail('MARK_UNAVAILABLE', 'a held position has no mark to value it');
    } else {
      const { netBefore, netAfter, grossBefore, grossAfter, symbolBefore, symbolAfter } = exposure;
      const navCap = limits.nav.mul(limits.max_nav_percent);
      if (netAfter.abs().gt(navCap) && netAfter.abs().gt(netBefore.abs())) {
        fail('NAV_LIMIT_BREACH', `|net exposure| ${netAfter.abs()} would exceed ${navCap} (NAV x max_nav_percent)`);
      }
      const varAfter = grossAfter.mul(limits.default_daily_vol).mul(Z_95);
      const varBefore = grossBefore.mul(limits.default_daily_vol).mul(Z_95);
      const varFigure = order.var_95?.gt(varAfter) ? order.var_95 : varAfter;
      if (varFigure.gt(limits.var_limit) && (varAfter.gt(varBefore) || varFigure !== varAfter)) {
        fail('VAR_BREACH', `VaR(95%) ${varFigure.toFixed(2)} would exceed ${limits.var_limit}`);
      }
      const increasesSymbol = symbolAfter.abs().gt(symbolBefore.abs());
      const concentrationCap = limits.nav.mul(limits.max_single_instrument_percent);
      if (increasesSymbol && symbolAfter.abs().gt(concentrationCap)) {
        fail(
          'DIVERSIFICATION_BREACH',
          `${order.symbol} exposure ${symbolAfter.abs()} would exceed ${concentrationCap}`,
        );
      }
      const qtyAfter = position.add(signedQuantity(order));
      const qtyCap = limits.max_position_quantity[order.symbol];
      if (increasesSymbol && qtyCap && qtyAfter.abs().gt(qtyCap)) {
        fail('POSITION_LIMIT_BREACH', `position ${qtyAfter} would exceed ${qtyCap} ${order.symbol}`);
      } else if (increasesSymbol && symbolAfter.abs().gt(limits.max_position_notional)) {
        fail(
          'POSITION_LIMIT_BREACH',
          `position notional ${symbolAfter.abs()} would exceed ${limits.max_position_notional}`,
        );
      }
    }
  }

  // 14. Feed latency breaker.
  if (mark && mark.exchangeTsMs !== null && !breakerExempt) {
    const latency = mark.receiveTsMs - mark.exchangeTsMs;
    if (latency > limits.latency_limit_ms) {
      fail('LATENCY_CIRCUIT_BREAKER', `feed latency ${latency} ms exceeds ${limits.latency_limit_ms} ms`);
    }
  }

  // 17. Order-rate throttle.
  if (state.ordersInWindow > limits.max_orders_per_window) {
    fail(
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
  };
}

interface Exposure {
  netBefore: Decimal;
  netAfter: Decimal;
  grossBefore: Decimal;
  grossAfter: Decimal;
  symbolBefore: Decimal;
  symbolAfter: Decimal;
}

/**
 * Values every position at its mark before and after the order. The order's own symbol is
 * valued at the order price. Returns null when a held position has no mark: exposure that
 * cannot be measured is not assumed to be zero.
 */
function measureExposure(order: OrderRequest, state: RiskState, price: Decimal): Exposure | null {
  let netOther = Decimal.ZERO;
  let grossOther = Decimal.ZERO;
  for (const [symbol, qty] of state.positions) {
    if (symbol === order.symbol || qty.isZero()) continue;
    const mid = state.marks.get(symbol);
    if (!mid) return null;
    const value = qty.mul(mid);
    netOther = netOther.add(value);
    grossOther = grossOther.add(value.abs());
  }
  const position = state.positions.get(order.symbol) ?? Decimal.ZERO;
  const symbolMark = state.marks.get(order.symbol) ?? price;
  const symbolBefore = position.mul(symbolMark);
  const symbolAfter = position.add(signedQuantity(order)).mul(price);
  return {
    netBefore: netOther.add(symbolBefore),
    netAfter: netOther.add(symbolAfter),
    grossBefore: grossOther.add(symbolBefore.abs()),
    grossAfter: grossOther.add(symbolAfter.abs()),
    symbolBefore,
    symbolAfter,
  };
}

/** Mid of a bid/ask pair. */
export function midOf(bid: Decimal, ask: Decimal): Decimal {
  return bid.add(ask).div(TWO);
}
