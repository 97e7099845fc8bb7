import { Decimal } from '../decimal.js';
import type { OrderType, Side } from '../order.js';

// Short local names for what the rules use on every order. (Where these modules run as
// CommonJS, as under tsx from a script outside an ESM package, each use of an imported
// binding is also a getter call; the benches run them as ESM, where it is not.)
const ZERO = Decimal.ZERO;
const maxOf = Decimal.max;

/**
 * Exposure that counts every order (issue #12). Per account and symbol the gate knows the
 * position (from fills), the working orders (acknowledged by Kraken, not yet done) and the
 * pending reservations (accepted by the gate, not yet acknowledged). Every exposure rule
 * takes the worst case of them per side: all buys fill and no sell does, or the reverse.
 *
 * Per side the store keeps sums, so one atomic Redis step can read and update them:
 * remaining quantity, notional (each order's remaining quantity x its own worst-case
 * price), the count of orders and the reduce-only part of the quantity. Notional is
 * compared with quantity x the current mark and the larger counts: a limit buy costs at
 * most its limit, and once filled it is worth the mark.
 */

/** Open orders of one side of one symbol (working or pending). */
export interface SideOrders {
  readonly qty: Decimal;
  readonly notional: Decimal;
  readonly count: number;
  /** The part of `qty` carried by reduce-only orders. */
  readonly reduceOnlyQty: Decimal;
}

export const NO_ORDERS: SideOrders = {
  qty: ZERO,
  notional: ZERO,
  count: 0,
  reduceOnlyQty: ZERO,
};

export interface BySide<T> {
  readonly buy: T;
  readonly sell: T;
}

/** One symbol's open orders: on Kraken's book, and reserved by the gate. */
export interface SymbolOrders {
  readonly working: BySide<SideOrders>;
  readonly pending: BySide<SideOrders>;
}

/** An account's open orders per symbol. Symbols absent have none. */
export type OpenOrders = ReadonlyMap<string, SymbolOrders>;

export const NO_SYMBOL_ORDERS: SymbolOrders = {
  working: { buy: NO_ORDERS, sell: NO_ORDERS },
  pending: { buy: NO_ORDERS, sell: NO_ORDERS },
};

export function addSide(a: SideOrders, b: SideOrders): SideOrders {
  return {
    qty: a.qty.add(b.qty),
    notional: a.notional.add(b.notional),
    count: a.count + b.count,
    reduceOnlyQty: a.reduceOnlyQty.add(b.reduceOnlyQty),
  };
}

export function subtractSide(a: SideOrders, b: SideOrders): SideOrders {
  return {
    qty: maxOf(ZERO, a.qty.sub(b.qty)),
    notional: maxOf(ZERO, a.notional.sub(b.notional)),
    count: Math.max(0, a.count - b.count),
    reduceOnlyQty: maxOf(ZERO, a.reduceOnlyQty.sub(b.reduceOnlyQty)),
  };
}

/** One order as a side total: what it adds to, or takes from, its side. */
export function sideOrdersOf(qty: Decimal, worstPrice: Decimal, reduceOnly: boolean): SideOrders {
  return { qty, notional: qty.mul(worstPrice), count: 1, reduceOnlyQty: reduceOnly ? qty : ZERO };
}

/** Working plus pending of one side. */
export function openSide(orders: SymbolOrders | undefined, side: Side): SideOrders {
  if (!orders) return NO_ORDERS;
  return addSide(orders.working[side], orders.pending[side]);
}

/** The larger of a side's own-price notional and its quantity at the mark. */
export function worstSideValue(orders: SideOrders, mark: Decimal): Decimal {
  return maxOf(orders.notional, orders.qty.mul(mark));
}

/** How many orders the account has open, and in one symbol. */
export function countOpenOrders(open: OpenOrders | undefined, symbol: string): { total: number; symbol: number } {
  let total = 0;
  let inSymbol = 0;
  if (open) {
    // Counts only: summing the sides' counts directly spares openSide's decimal sums.
    for (const [s, orders] of open) {
      const n = orderCount(orders);
      total += n;
      if (s === symbol) inSymbol = n;
    }
  }
  return { total, symbol: inSymbol };
}

function orderCount(orders: SymbolOrders): number {
  return orders.working.buy.count + orders.pending.buy.count + orders.working.sell.count + orders.pending.sell.count;
}

/** Sum over every open order of its own-price notional, both sides (working and pending). */
export function openOrdersNotional(open: OpenOrders | undefined): Decimal {
  let total = ZERO;
  if (!open) return total;
  for (const orders of open.values()) {
    total = total
      .add(orders.working.buy.notional)
      .add(orders.pending.buy.notional)
      .add(orders.working.sell.notional)
      .add(orders.pending.sell.notional);
  }
  return total;
}

/** A change the decision applies to one symbol's book before measuring. */
export interface OrderChange {
  readonly symbol: string;
  readonly side: Side;
  readonly orders: SideOrders;
}

/** Worst-case figures of an account, in USD (values) and base units (quantity). */
export interface WorstCase {
  /** max(|net if every buy fills|, |net if every sell fills|). */
  readonly net: Decimal;
  /** Sum over symbols of the worse side's |value|: what VaR is computed on. */
  readonly gross: Decimal;
  /** The measured symbol's worse side: |value| and |quantity|. */
  readonly symbolValue: Decimal;
  readonly symbolQty: Decimal;
  /** Sum over every open order of its worst value (both sides). */
  readonly openNotional: Decimal;
}

export interface ExposureInputs {
  readonly positions: ReadonlyMap<string, Decimal>;
  readonly openOrders?: OpenOrders | undefined;
  /** Mid of every symbol held or with open orders. */
  readonly marks: ReadonlyMap<string, Decimal>;
}

/**
 * Measures the worst case after adding `add` and removing `remove` (an amend replaces its
 * order's remaining part). The measured symbol is valued at `symbolPrice` (the larger of
 * its mark and the order's worst price), every other at its mark. Null when a symbol that
 * holds a position or an open order has no mark: exposure that cannot be valued is not
 * assumed to be zero.
 */
export function measureWorstCase(
  inputs: ExposureInputs,
  symbol: string,
  symbolPrice: Decimal,
  add: readonly OrderChange[] = [],
  remove: readonly OrderChange[] = [],
): WorstCase | null {
  const others = measureOthers(inputs, symbol, add, remove);
  if (!others) return null;
  return withSymbol(others, inputs, symbol, symbolPrice, add, remove);
}

/**
 * The worst case before and after one decision's changes, which touch only `symbol`
 * (the order's own side, and for an amend the order it replaces): every other symbol is
 * measured once for both. Equal to two {@link measureWorstCase} calls (sums of exact
 * decimals do not depend on their order). Null when a held or ordered symbol has no mark.
 */
export function measureBeforeAfter(
  inputs: ExposureInputs,
  symbol: string,
  symbolPrice: Decimal,
  add: OrderChange,
  remove: OrderChange | null,
): { readonly before: WorstCase; readonly after: WorstCase } | null {
  const others = measureOthers(inputs, symbol, NO_CHANGES, NO_CHANGES);
  if (!others) return null;
  const before = withSymbol(others, inputs, symbol, symbolPrice, NO_CHANGES, NO_CHANGES);
  const after = withSymbol(others, inputs, symbol, symbolPrice, [add], remove ? [remove] : NO_CHANGES);
  return { before, after };
}

const NO_CHANGES: readonly OrderChange[] = [];

/** Running sums of the worst-case measure (net if every buy fills, net if every sell fills). */
interface Sums {
  netUpper: Decimal;
  netLower: Decimal;
  gross: Decimal;
  openNotional: Decimal;
}

/** One symbol's open sides after the decision's changes to it. */
function changedSides(
  orders: SymbolOrders | undefined,
  s: string,
  add: readonly OrderChange[],
  remove: readonly OrderChange[],
): BySide<SideOrders> {
  let buys = openSide(orders, 'buy');
  let sells = openSide(orders, 'sell');
  for (const change of add) {
    if (change.symbol !== s) continue;
    if (change.side === 'buy') buys = addSide(buys, change.orders);
    else sells = addSide(sells, change.orders);
  }
  for (const change of remove) {
    if (change.symbol !== s) continue;
    if (change.side === 'buy') buys = subtractSide(buys, change.orders);
    else sells = subtractSide(sells, change.orders);
  }
  return { buy: buys, sell: sells };
}

/** Sums over every held or ordered symbol but `symbol`; null when one of them has no mark. */
function measureOthers(
  inputs: ExposureInputs,
  symbol: string,
  add: readonly OrderChange[],
  remove: readonly OrderChange[],
): Sums | null {
  const sums: Sums = {
    netUpper: ZERO,
    netLower: ZERO,
    gross: ZERO,
    openNotional: ZERO,
  };
  // Every symbol held or with open orders, each once, the measured one excepted.
  for (const s of inputs.positions.keys()) {
    if (s !== symbol && !addOther(sums, inputs, s, add, remove)) return null;
  }
  if (inputs.openOrders) {
    for (const s of inputs.openOrders.keys()) {
      if (s !== symbol && !inputs.positions.has(s) && !addOther(sums, inputs, s, add, remove)) return null;
    }
  }
  return sums;
}

/** Adds symbol `s` to `sums` at its mark; false when it holds or orders something and has no mark. */
function addOther(
  sums: Sums,
  inputs: ExposureInputs,
  s: string,
  add: readonly OrderChange[],
  remove: readonly OrderChange[],
): boolean {
  const position = inputs.positions.get(s) ?? ZERO;
  const sides = changedSides(inputs.openOrders?.get(s), s, add, remove);
  if (position.isZero() && sides.buy.qty.isZero() && sides.sell.qty.isZero()) return true;
  const price = inputs.marks.get(s);
  if (!price) return false;
  const held = position.mul(price);
  const buyValue = worstSideValue(sides.buy, price);
  const sellValue = worstSideValue(sides.sell, price);
  const upper = held.add(buyValue);
  const lower = held.sub(sellValue);
  sums.netUpper = sums.netUpper.add(upper);
  sums.netLower = sums.netLower.add(lower);
  sums.gross = sums.gross.add(maxOf(upper.abs(), lower.abs()));
  sums.openNotional = sums.openNotional.add(buyValue).add(sellValue);
  return true;
}

/** Adds the measured symbol (always counted, at `symbolPrice`) to the others' sums. */
function withSymbol(
  others: Sums,
  inputs: ExposureInputs,
  symbol: string,
  symbolPrice: Decimal,
  add: readonly OrderChange[],
  remove: readonly OrderChange[],
): WorstCase {
  const position = inputs.positions.get(symbol) ?? ZERO;
  const sides = changedSides(inputs.openOrders?.get(symbol), symbol, add, remove);
  const held = position.mul(symbolPrice);
  const buyValue = worstSideValue(sides.buy, symbolPrice);
  const sellValue = worstSideValue(sides.sell, symbolPrice);
  const upper = held.add(buyValue);
  const lower = held.sub(sellValue);
  const netUpper = others.netUpper.add(upper);
  const netLower = others.netLower.add(lower);
  const symbolValue = maxOf(upper.abs(), lower.abs());
  return {
    net: maxOf(netUpper.abs(), netLower.abs()),
    gross: others.gross.add(symbolValue),
    symbolValue,
    symbolQty: maxOf(position.add(sides.buy.qty).abs(), position.sub(sides.sell.qty).abs()),
    openNotional: others.openNotional.add(buyValue).add(sellValue),
  };
}

/**
 * The reservation an accept creates, in the same atomic step as the decision. It holds the
 * order's exposure until Kraken acknowledges the order (then the working order holds it),
 * or until `expiresAtMs` when nobody does.
 */
export interface Reservation {
  readonly accountId: string;
  /** The cl_ord_id the strategy sends to Kraken (the validated `order_id`). */
  readonly orderId: string;
  readonly decisionId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly type: OrderType;
  /** Remaining quantity (the whole order until Kraken reports fills). */
  readonly qty: Decimal;
  readonly limitPrice?: Decimal;
  /** Static trigger price (a trailing distance is not a price and is not kept). */
  readonly triggerPrice?: Decimal;
  /** Worst-case price: the largest of limit, static trigger and (for market execution) the touch. */
  readonly worstPrice: Decimal;
  readonly reduceOnly: boolean;
  readonly createdAtMs: number;
  readonly expiresAtMs: number;
}

/** A reservation as the store keeps it: decimal strings, epoch ms numbers. */
export interface ReservationRecord {
  readonly account_id: string;
  readonly order_id: string;
  readonly decision_id: string;
  readonly symbol: string;
  readonly side: Side;
  readonly type: OrderType;
  readonly qty: string;
  readonly limit_price?: string;
  readonly trigger_price?: string;
  readonly worst_price: string;
  readonly reduce_only: boolean;
  readonly created_at_ms: number;
  readonly expires_at_ms: number;
}

export function reservationToRecord(r: Reservation): ReservationRecord {
  return {
    account_id: r.accountId,
    order_id: r.orderId,
    decision_id: r.decisionId,
    symbol: r.symbol,
    side: r.side,
    type: r.type,
    qty: r.qty.toString(),
    ...(r.limitPrice ? { limit_price: r.limitPrice.toString() } : {}),
    ...(r.triggerPrice ? { trigger_price: r.triggerPrice.toString() } : {}),
    worst_price: r.worstPrice.toString(),
    reduce_only: r.reduceOnly,
    created_at_ms: r.createdAtMs,
    expires_at_ms: r.expiresAtMs,
  };
}

export function reservationFromRecord(r: ReservationRecord): Reservation {
  return {
    accountId: r.account_id,
    orderId: r.order_id,
    decisionId: r.decision_id,
    symbol: r.symbol,
    side: r.side,
    type: r.type,
    qty: Decimal.parse(r.qty),
    ...(r.limit_price ? { limitPrice: Decimal.parse(r.limit_price) } : {}),
    ...(r.trigger_price ? { triggerPrice: Decimal.parse(r.trigger_price) } : {}),
    worstPrice: Decimal.parse(r.worst_price),
    reduceOnly: r.reduce_only,
    createdAtMs: r.created_at_ms,
    expiresAtMs: r.expires_at_ms,
  };
}

/** The key under which an accepted amend of a working order reserves its amended remainder. */
export function amendReservationId(orderId: string): string {
  return `${orderId}#amend`;
}

/** What a reservation adds to its symbol's pending side. */
export function reservationSide(r: Reservation): SideOrders {
  return sideOrdersOf(r.qty, r.worstPrice, r.reduceOnly);
}
