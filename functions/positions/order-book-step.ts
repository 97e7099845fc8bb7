import type { OrderEvent } from '../../shared/domain/executions/events.js';
import {
  type AccountBook,
  applyOrderEvent,
  type BookEffect,
  expireReservations,
  pruneClosed,
  type WorkingOrder,
} from '../../shared/domain/executions/working-orders.js';
import { amendReservationId, type Reservation } from '../../shared/domain/risk/exposure.js';
import type { OrderEventWrite, ReservationRelease, StoredOrder, WorkingOrdersSnapshot } from './ports.js';

/** What applying one event decided: the write to store, and its effects for metrics and logs. */
export interface OrderEventDecision extends OrderEventWrite {
  readonly effects: readonly BookEffect[];
}

function bookOf(
  accountId: string,
  reservations: Iterable<Reservation>,
  orders: Iterable<WorkingOrder>,
  appliedFills: Iterable<string> = [],
): AccountBook {
  return {
    accountId,
    reservations: new Map([...reservations].map((r) => [r.orderId, r])),
    orders: new Map([...orders].map((o) => [o.krakenOrderId, o])),
    appliedFills: new Set(appliedFills),
    seenEvents: new Map(),
  };
}

/** The reservations an event may hand over: the order's own and its amend's. */
export function reservationIdsOf(event: OrderEvent): string[] {
  return event.cl_ord_id === null ? [] : [event.cl_ord_id, amendReservationId(event.cl_ord_id)];
}

/**
 * Runs the working-order state machine on the part of the account's book one event can
 * touch: its order as stored, its reservations as the hot book holds them, and whether its
 * fill already reached the position (the store checked the event key itself). A reservation
 * whose TTL has passed is expired first, so an order acknowledged after that counts as
 * unreserved, as the state machine defines.
 */
export function decideOrderEvent(
  event: OrderEvent,
  stored: StoredOrder,
  reservations: ReadonlyMap<string, Reservation>,
  nowMs: number,
): OrderEventDecision {
  const relevant = reservationIdsOf(event).flatMap((id) => {
    const reservation = reservations.get(id);
    return reservation ? [reservation] : [];
  });
  const fillApplied = stored.fillApplied && event.fill ? [event.fill.exec_id] : [];
  const start = bookOf(event.account_id, relevant, stored.order ? [stored.order] : [], fillApplied);
  const expiry = expireReservations(start, nowMs);
  const step = applyOrderEvent(expiry.book, event, nowMs);
  const order = step.book.orders.get(event.order_id);
  if (!order) throw new Error(`state machine lost order ${event.order_id}`);

  const releases: ReservationRelease[] = [];
  for (const effect of expiry.effects) {
    if (effect.kind === 'reservation_expired') {
      releases.push({ reservation: effect.reservation, outcome: 'expired', krakenOrderId: null, atMs: nowMs });
    }
  }
  for (const reservation of expiry.book.reservations.values()) {
    if (!step.book.reservations.has(reservation.orderId)) {
      releases.push({ reservation, outcome: 'acknowledged', krakenOrderId: event.order_id, atMs: nowMs });
    }
  }
  let fill = null;
  for (const effect of step.effects) if (effect.kind === 'fill') fill = effect.fill;
  return { order, fill, releases, effects: [...expiry.effects, ...step.effects] };
}

/** The reservations of the book whose TTL has passed, as releases to audit. */
export function expiredReservations(
  accountId: string,
  reservations: ReadonlyMap<string, Reservation>,
  nowMs: number,
): ReservationRelease[] {
  const { effects } = expireReservations(bookOf(accountId, reservations.values(), []), nowMs);
  return effects.flatMap((effect) =>
    effect.kind === 'reservation_expired'
      ? [{ reservation: effect.reservation, outcome: 'expired' as const, krakenOrderId: null, atMs: nowMs }]
      : [],
  );
}

/** The closed orders of the snapshot old enough to forget (nothing of them in flight). */
export function prunableOrders(snapshot: WorkingOrdersSnapshot, nowMs: number, retentionMs: number): string[] {
  const book = bookOf(snapshot.accountId, [], snapshot.orders);
  const kept = pruneClosed(book, nowMs, retentionMs).orders;
  return snapshot.orders.filter((o) => !kept.has(o.krakenOrderId)).map((o) => o.krakenOrderId);
}
