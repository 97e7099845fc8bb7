import { Decimal } from '../decimal.js';
import type { Fill } from '../positions/positions.js';
import {
  addSide,
  amendReservationId,
  NO_SYMBOL_ORDERS,
  type OpenOrders,
  type Reservation,
  reservationSide,
  type SymbolOrders,
  sideOrdersOf,
} from '../risk/exposure.js';
import type { OpenOrder } from '../risk/state.js';
import { fillOf, type KrakenOrderType, type OrderEvent, TERMINAL_ORDER_EVENTS } from './events.js';

/**
 * The working-order state machine of one account, pure (no clock of its own: `nowMs` is
 * passed in). An order's exposure lives in exactly one place at a time:
 *
 *   accept -> reservation (pending) --Kraken acknowledges--> working order
 *   working --fill--> position (once per exec_id, however often the event is redelivered)
 *   working --canceled / expired--> released (what had not filled)
 *   reservation --rejected--> released (Kraken refused the order; a rejection of an order
 *                             already working is a refused amend: only the amend is released)
 *   reservation --nobody acknowledges within its TTL--> expired and released
 *
 * Redelivery (Kinesis retries, the feed's reconnect snapshots) is absorbed twice over: an
 * event seen before is ignored (by type and event id), and a fill moves a position only
 * if its exec_id was never applied. A closed order stays as a tombstone until
 * {@link pruneClosed}, so a late duplicate cannot bring it back to life.
 */

export interface WorkingOrder {
  /** Kraken's order id. */
  readonly krakenOrderId: string;
  /** The client order id (the gate's order_id); null for an order placed without one. */
  readonly clOrdId: string | null;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly type: KrakenOrderType;
  /** Total order quantity as Kraken last reported it (an amend changes it). */
  readonly orderQty: Decimal;
  /** The largest cum_qty Kraken reported. */
  readonly cumQty: Decimal;
  /** Fills already applied to the position. */
  readonly filledQty: Decimal;
  readonly limitPrice?: Decimal;
  readonly triggerPrice?: Decimal;
  readonly reduceOnly: boolean;
  /** Set by a terminal event; the order then counts only fills still in flight. */
  readonly closedAtMs: number | null;
}

export interface AccountBook {
  readonly accountId: string;
  /** Reservations by order id (cl_ord_id); an amend's increase under {@link amendReservationId}. */
  readonly reservations: ReadonlyMap<string, Reservation>;
  /** Working orders (and tombstones of closed ones) by Kraken order id. */
  readonly orders: ReadonlyMap<string, WorkingOrder>;
  /** Exec ids of fills applied to the position. */
  readonly appliedFills: ReadonlySet<string>;
  /** Events applied, `type:event_id`, with when (for pruning). */
  readonly seenEvents: ReadonlyMap<string, number>;
}

export function emptyBook(accountId: string): AccountBook {
  return { accountId, reservations: new Map(), orders: new Map(), appliedFills: new Set(), seenEvents: new Map() };
}

/** What applying an event did, for the caller to act on (positions, alarms, metrics). */
export type BookEffect =
  | { readonly kind: 'duplicate'; readonly eventId: string }
  /** Apply this fill to the position: it is reported exactly once per exec_id. */
  | { readonly kind: 'fill'; readonly fill: Fill }
  /** The order had no reservation: placed without the gate, or after its reservation expired. */
  | { readonly kind: 'unreserved'; readonly krakenOrderId: string; readonly clOrdId: string | null }
  /** A terminal event freed what had not filled. */
  | { readonly kind: 'released'; readonly krakenOrderId: string; readonly qty: Decimal }
  /** An event for an order already closed that changed nothing. */
  | { readonly kind: 'late'; readonly eventId: string }
  | { readonly kind: 'reservation_expired'; readonly reservation: Reservation };

export interface BookStep {
  readonly book: AccountBook;
  readonly effects: readonly BookEffect[];
}

/** Records the reservation an accept created (a later one for the same id replaces it). */
export function reserve(book: AccountBook, reservation: Reservation): AccountBook {
  const reservations = new Map(book.reservations);
  reservations.set(reservation.orderId, reservation);
  return { ...book, reservations };
}

/** Applies one order event of this account. */
export function applyOrderEvent(book: AccountBook, event: OrderEvent, nowMs: number): BookStep {
  const seenKey = `${event.type}:${event.event_id}`;
  if (book.seenEvents.has(seenKey)) return { book, effects: [{ kind: 'duplicate', eventId: event.event_id }] };

  const effects: BookEffect[] = [];
  const reservations = new Map(book.reservations);
  const orders = new Map(book.orders);
  const appliedFills = new Set(book.appliedFills);
  const seenEvents = new Map(book.seenEvents).set(seenKey, nowMs);

  let order = orders.get(event.order_id);
  // Kraken never acknowledges an order it rejects, so a rejection of an order already open can
  // only be a refused amend: the order stays on the book and keeps counting (closing it would
  // free exposure Kraken still holds); only the amend's own reservation goes.
  const refusedAmend = event.type === 'rejected' && order !== undefined && order.closedAtMs === null;
  // Any event from Kraken proves it has the order: its reservation hands over to the working order.
  const reserved = event.cl_ord_id !== null && reservations.delete(event.cl_ord_id);
  if (event.cl_ord_id !== null && (event.type === 'amended' || refusedAmend)) {
    reservations.delete(amendReservationId(event.cl_ord_id));
  }

  if (!order) {
    if (!reserved) effects.push({ kind: 'unreserved', krakenOrderId: event.order_id, clOrdId: event.cl_ord_id });
    order = {
      krakenOrderId: event.order_id,
      clOrdId: event.cl_ord_id,
      symbol: event.symbol,
      side: event.side,
      type: event.order_type,
      orderQty: Decimal.parse(event.order_qty),
      cumQty: Decimal.ZERO,
      filledQty: Decimal.ZERO,
      reduceOnly: event.reduce_only,
      closedAtMs: null,
    };
  }

  const closed = order.closedAtMs !== null;
  let next: WorkingOrder = order;
  if (refusedAmend) {
    // The refused amend's quantity and prices never applied: the order stands as it was.
    orders.set(order.krakenOrderId, order);
    return { book: { ...book, reservations, orders, appliedFills, seenEvents }, effects };
  }
  if (!closed) {
    next = {
      ...order,
      // A closed order's quantity is frozen: only fills still in flight may change it.
      orderQty: Decimal.parse(event.order_qty),
      ...(event.limit_price ? { limitPrice: Decimal.parse(event.limit_price) } : {}),
      ...(event.trigger_price ? { triggerPrice: Decimal.parse(event.trigger_price) } : {}),
    };
  }
  next = { ...next, cumQty: Decimal.max(next.cumQty, Decimal.parse(event.cum_qty)) };

  let moved = false;
  const fill = fillOf(event);
  if (fill && !appliedFills.has(fill.fill_id)) {
    appliedFills.add(fill.fill_id);
    next = { ...next, filledQty: next.filledQty.add(Decimal.parse(fill.qty)) };
    effects.push({ kind: 'fill', fill });
    moved = true;
  }

  if (!closed && TERMINAL_ORDER_EVENTS.has(event.type)) {
    const unfilled = Decimal.max(Decimal.ZERO, next.orderQty.sub(next.cumQty));
    next = { ...next, closedAtMs: nowMs };
    if (unfilled.isPositive()) effects.push({ kind: 'released', krakenOrderId: next.krakenOrderId, qty: unfilled });
  } else if (closed && !moved) {
    effects.push({ kind: 'late', eventId: event.event_id });
  }

  orders.set(next.krakenOrderId, next);
  return { book: { ...book, reservations, orders, appliedFills, seenEvents }, effects };
}

/** Drops reservations whose TTL has passed: nobody acknowledged them in time. */
export function expireReservations(book: AccountBook, nowMs: number): BookStep {
  const expired = [...book.reservations.values()].filter((r) => r.expiresAtMs <= nowMs);
  if (expired.length === 0) return { book, effects: [] };
  const reservations = new Map(book.reservations);
  for (const r of expired) reservations.delete(r.orderId);
  return {
    book: { ...book, reservations },
    effects: expired.map((reservation) => ({ kind: 'reservation_expired', reservation })),
  };
}

/**
 * Forgets closed orders (and their events) older than `retentionMs`, once nothing of them
 * is in flight. Retention must outlast the longest redelivery (Kinesis keeps 24 h).
 */
export function pruneClosed(book: AccountBook, nowMs: number, retentionMs: number): AccountBook {
  const orders = new Map(book.orders);
  for (const [id, order] of book.orders) {
    if (order.closedAtMs !== null && order.closedAtMs + retentionMs <= nowMs && remainingOf(order).isZero()) {
      orders.delete(id);
    }
  }
  const seenEvents = new Map([...book.seenEvents].filter(([, at]) => at + retentionMs > nowMs));
  return { ...book, orders, seenEvents };
}

/**
 * What of an order still counts as working: the unfilled quantity while it is open; once
 * closed, only fills Kraken reported that have not reached the position yet.
 */
export function remainingOf(order: WorkingOrder): Decimal {
  const ceiling = order.closedAtMs === null ? order.orderQty : order.cumQty;
  return Decimal.max(Decimal.ZERO, ceiling.sub(order.filledQty));
}

/** The worst-case price of a working order's remaining part (0: only the mark bounds it). */
function workingWorstPrice(order: WorkingOrder): Decimal {
  return Decimal.max(order.limitPrice ?? Decimal.ZERO, order.triggerPrice ?? Decimal.ZERO);
}

/** The account's open orders per symbol and side, as the risk rules read them. */
export function openOrdersOf(book: AccountBook, nowMs: number): OpenOrders {
  const bySymbol = new Map<string, SymbolOrders>();
  const at = (symbol: string) => bySymbol.get(symbol) ?? NO_SYMBOL_ORDERS;
  for (const order of book.orders.values()) {
    const qty = remainingOf(order);
    if (qty.isZero()) continue;
    const current = at(order.symbol);
    const side = sideOrdersOf(qty, workingWorstPrice(order), order.reduceOnly);
    bySymbol.set(order.symbol, {
      ...current,
      working: { ...current.working, [order.side]: addSide(current.working[order.side], side) },
    });
  }
  for (const r of book.reservations.values()) {
    if (r.expiresAtMs <= nowMs) continue;
    const current = at(r.symbol);
    bySymbol.set(r.symbol, {
      ...current,
      pending: { ...current.pending, [r.side]: addSide(current.pending[r.side], reservationSide(r)) },
    });
  }
  return bySymbol;
}

/** The order an amend of `clOrdId` changes: its reservation, else its open working order. */
export function openOrderFor(book: AccountBook, clOrdId: string, nowMs: number): OpenOrder | null {
  const reservation = book.reservations.get(clOrdId);
  if (reservation && reservation.expiresAtMs > nowMs) {
    return {
      orderId: clOrdId,
      symbol: reservation.symbol,
      side: reservation.side,
      type: reservation.type,
      stage: 'pending',
      orderQty: reservation.qty,
      filledQty: Decimal.ZERO,
      ...(reservation.limitPrice ? { limitPrice: reservation.limitPrice } : {}),
      ...(reservation.triggerPrice ? { triggerPrice: reservation.triggerPrice } : {}),
      worstPrice: reservation.worstPrice,
      reduceOnly: reservation.reduceOnly,
    };
  }
  for (const order of book.orders.values()) {
    if (order.clOrdId !== clOrdId || order.closedAtMs !== null) continue;
    return {
      orderId: clOrdId,
      symbol: order.symbol,
      side: order.side,
      type: order.type,
      stage: 'working',
      orderQty: order.orderQty,
      filledQty: order.filledQty,
      ...(order.limitPrice ? { limitPrice: order.limitPrice } : {}),
      ...(order.triggerPrice ? { triggerPrice: order.triggerPrice } : {}),
      worstPrice: workingWorstPrice(order),
      reduceOnly: order.reduceOnly,
    };
  }
  return null;
}
