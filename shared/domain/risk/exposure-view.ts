import { Decimal } from '../decimal.js';
import {
  type BySide,
  countOpenOrders,
  measureWorstCase,
  NO_SYMBOL_ORDERS,
  type OpenOrders,
  type SideOrders,
} from './exposure.js';
import type { AccountRecord } from './limits.js';

/** One-sided 95% normal quantile, as the VaR rule uses it. */
const Z_95 = Decimal.parse('1.645');

/** What an account's exposure is measured from (read, never decided on). */
export interface ExposureSnapshot {
  readonly positions: ReadonlyMap<string, Decimal>;
  readonly openOrders: OpenOrders;
  /** Mid of every symbol held or with open orders; a symbol missing has no mark. */
  readonly marks: ReadonlyMap<string, Decimal>;
}

/** Port: an account's exposure snapshot. */
export interface ExposureSource {
  load(accountId: string, nowMs: number): Promise<ExposureSnapshot>;
}

interface SideView {
  readonly qty: string;
  readonly notional: string;
  readonly count: number;
}

export interface SymbolExposureView {
  readonly symbol: string;
  readonly mark: string | null;
  readonly position: string;
  readonly working: BySide<SideView>;
  readonly pending: BySide<SideView>;
  /** Worse side of position + working + pending, valued at the mark (null without one). */
  readonly worst_value: string | null;
  readonly worst_qty: string;
  /** Limit minus the figure, per limit that binds a symbol; negative when over it. */
  readonly headroom: {
    readonly concentration: string | null;
    readonly position_notional: string | null;
    readonly position_quantity: string | null;
    readonly open_orders: number;
  };
}

export interface ExposureView {
  readonly account_id: string;
  readonly limits_version: number;
  readonly as_of: string;
  readonly symbols: readonly SymbolExposureView[];
  /** Symbols held or ordered with no mark: the totals below cannot be computed while any exists. */
  readonly unvalued: readonly string[];
  readonly total: {
    readonly net: string | null;
    readonly gross: string | null;
    readonly var_95: string | null;
    readonly open_notional: string | null;
    readonly open_orders: number;
  };
  readonly headroom: {
    readonly nav: string | null;
    readonly var: string | null;
    readonly open_notional: string | null;
    readonly open_orders: number;
  };
}

function sideView(side: SideOrders): SideView {
  return { qty: side.qty.toString(), notional: side.notional.toString(), count: side.count };
}

/**
 * The exposure the rules see for an account, per symbol and in total, with the headroom
 * left under each limit: the same worst-case measure as the decision (position + working +
 * pending, every buy filling or every sell), so the numbers a risk manager reads are the
 * ones an order is judged against.
 */
export function exposureView(account: AccountRecord, snapshot: ExposureSnapshot, nowMs: number): ExposureView {
  const { limits } = account;
  const symbols = [...new Set([...snapshot.positions.keys(), ...snapshot.openOrders.keys()])].sort();
  const unvalued = symbols.filter((s) => !snapshot.marks.get(s));
  const counts = countOpenOrders(snapshot.openOrders, '');

  const perSymbol = symbols.map((symbol): SymbolExposureView => {
    const mark = snapshot.marks.get(symbol) ?? null;
    const orders = snapshot.openOrders.get(symbol) ?? NO_SYMBOL_ORDERS;
    const position = snapshot.positions.get(symbol) ?? Decimal.ZERO;
    const only = {
      positions: new Map([[symbol, position]]),
      openOrders: new Map([[symbol, orders]]),
      marks: snapshot.marks,
    };
    const measured = mark ? measureWorstCase(only, symbol, mark) : null;
    const buys = orders.working.buy.qty.add(orders.pending.buy.qty);
    const sells = orders.working.sell.qty.add(orders.pending.sell.qty);
    const worstQty = Decimal.max(position.add(buys).abs(), position.sub(sells).abs());
    const qtyCap = limits.max_position_quantity[symbol];
    const symbolCount = countOpenOrders(snapshot.openOrders, symbol).symbol;
    return {
      symbol,
      mark: mark?.toString() ?? null,
      position: position.toString(),
      working: { buy: sideView(orders.working.buy), sell: sideView(orders.working.sell) },
      pending: { buy: sideView(orders.pending.buy), sell: sideView(orders.pending.sell) },
      worst_value: measured?.symbolValue.toString() ?? null,
      worst_qty: worstQty.toString(),
      headroom: {
        concentration: measured
          ? limits.nav.mul(limits.max_single_instrument_percent).sub(measured.symbolValue).toString()
          : null,
        position_notional:
          !qtyCap && measured ? limits.max_position_notional.sub(measured.symbolValue).toString() : null,
        position_quantity: qtyCap ? qtyCap.sub(worstQty).toString() : null,
        open_orders: limits.max_open_orders_per_symbol - symbolCount,
      },
    };
  });

  const inputs = { positions: snapshot.positions, openOrders: snapshot.openOrders, marks: snapshot.marks };
  const anchor = symbols[0];
  const total =
    anchor === undefined
      ? { net: Decimal.ZERO, gross: Decimal.ZERO, openNotional: Decimal.ZERO, symbolValue: Decimal.ZERO }
      : unvalued.length > 0
        ? null
        : measureWorstCase(inputs, anchor, snapshot.marks.get(anchor) as Decimal);
  const varFigure = total ? total.gross.mul(limits.default_daily_vol).mul(Z_95) : null;
  return {
    account_id: account.accountId,
    limits_version: account.limitsVersion,
    as_of: new Date(nowMs).toISOString(),
    symbols: perSymbol,
    unvalued,
    total: {
      net: total?.net.toString() ?? null,
      gross: total?.gross.toString() ?? null,
      var_95: varFigure?.toString() ?? null,
      open_notional: total?.openNotional.toString() ?? null,
      open_orders: counts.total,
    },
    headroom: {
      nav: total ? limits.nav.mul(limits.max_nav_percent).sub(total.net).toString() : null,
      var: varFigure ? limits.var_limit.sub(varFigure).toString() : null,
      open_notional: total ? limits.max_open_notional.sub(total.openNotional).toString() : null,
      open_orders: limits.max_open_orders - counts.total,
    },
  };
}
