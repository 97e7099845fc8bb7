import { describe, expect, it } from 'vitest';
import { dec } from '../decimal.js';
import { amendReservationId, NO_ORDERS, openSide, type Reservation } from '../risk/exposure.js';
import { type OrderEvent, type OrderEventInput, orderEventId, orderEventSchema } from './events.js';
import {
  type AccountBook,
  applyOrderEvent,
  type BookEffect,
  emptyBook,
  expireReservations,
  openOrderFor,
  openOrdersOf,
  pruneClosed,
  reserve,
} from './working-orders.js';

const T0 = 1_790_000_000_000;
const TTL = 30_000;

function reservation(overrides: Partial<Reservation> = {}): Reservation {
  return {
    accountId: 'acct-1',
    orderId: 'ord-1',
    decisionId: 'dec-1',
    symbol: 'BTC/USD',
    side: 'buy',
    type: 'limit',
    qty: dec('0.5'),
    limitPrice: dec('65000'),
    worstPrice: dec('65000'),
    reduceOnly: false,
    createdAtMs: T0,
    expiresAtMs: T0 + TTL,
    ...overrides,
  };
}

/** An event of ord-1 / Kraken O1; the event id follows the contract (exec id for trades). */
function event(type: OrderEvent['type'], changes: Partial<OrderEventInput> = {}): OrderEvent {
  const base = {
    kind: 'order' as const,
    event_id: '',
    type,
    account_id: 'acct-1',
    cl_ord_id: 'ord-1',
    order_id: 'O1',
    symbol: 'BTC/USD',
    side: 'buy' as const,
    order_type: 'limit' as const,
    order_qty: '0.5',
    cum_qty: '0',
    limit_price: '65000',
    occurred_at: new Date(T0).toISOString(),
    ...changes,
  };
  const eventId = base.fill ? base.fill.exec_id : orderEventId(base);
  return orderEventSchema.parse({ ...base, event_id: changes.event_id ?? eventId });
}

function trade(execId: string, qty: string, cum: string, type: 'partially_filled' | 'filled' = 'partially_filled') {
  return event(type, { cum_qty: cum, fill: { exec_id: execId, qty, price: '64990', fee: '1' } });
}

function run(book: AccountBook, events: OrderEvent[], nowMs = T0 + 1): { book: AccountBook; effects: BookEffect[] } {
  const effects: BookEffect[] = [];
  let current = book;
  for (const e of events) {
    const step = applyOrderEvent(current, e, nowMs);
    current = step.book;
    effects.push(...step.effects);
  }
  return { book: current, effects };
}

const pendingBuy = (book: AccountBook, now = T0 + 1) => openSide(openOrdersOf(book, now).get('BTC/USD'), 'buy');
const working = (book: AccountBook) => openOrdersOf(book, T0 + 1).get('BTC/USD')?.working.buy ?? NO_ORDERS;
const pending = (book: AccountBook) => openOrdersOf(book, T0 + 1).get('BTC/USD')?.pending.buy ?? NO_ORDERS;
const fills = (effects: BookEffect[]) => effects.filter((e) => e.kind === 'fill').map((e) => e.fill.fill_id);

describe('Function: applyOrderEvent', () => {
  it('moves a reservation to working when Kraken acknowledges the order', () => {
    // Prepare
    const book = reserve(emptyBook('acct-1'), reservation());

    // Act
    const { book: after, effects } = run(book, [event('acknowledged')]);

    // Assess
    expect(pending(book).qty.toString()).toBe('0.5');
    expect(pending(after).qty.toString()).toBe('0');
    expect(working(after).qty.toString()).toBe('0.5');
    expect(working(after).notional.toString()).toBe('32500');
    expect(effects).toEqual([]);
  });

  it('moves each fill from working to position exactly once under redelivery', () => {
    // Prepare
    const book = reserve(emptyBook('acct-1'), reservation());
    const stream = [event('acknowledged'), trade('T1', '0.2', '0.2'), trade('T2', '0.3', '0.5')];

    // Act: every event delivered twice, the second trade three times, the first once more after the second
    const { book: after, effects } = run(book, [...stream, ...stream, stream[2]!, stream[1]!]);

    // Assess
    expect(fills(effects)).toEqual(['T1', 'T2']);
    expect(effects.filter((e) => e.kind === 'duplicate')).toHaveLength(5);
    expect(working(after).qty.toString()).toBe('0');
  });

  it('keeps counting fills Kraken reported but the position has not seen', () => {
    // Prepare: Kraken says filled (cum 0.5) before the second trade reaches us
    const book = reserve(emptyBook('acct-1'), reservation());

    // Act
    const early = run(book, [event('acknowledged'), trade('T1', '0.2', '0.2'), event('filled', { cum_qty: '0.5' })]);
    const late = run(early.book, [trade('T2', '0.3', '0.5')]);

    // Assess
    expect(working(early.book).qty.toString()).toBe('0.3');
    expect(working(late.book).qty.toString()).toBe('0');
    expect(fills(late.effects)).toEqual(['T2']);
  });

  it.each(['canceled', 'expired'] as const)('releases what is left when the order is %s', (type) => {
    // Prepare
    const book = reserve(emptyBook('acct-1'), reservation());

    // Act
    const { book: after, effects } = run(book, [
      event('acknowledged'),
      trade('T1', '0.2', '0.2'),
      event(type, { cum_qty: '0.2' }),
    ]);

    // Assess
    expect(effects.filter((e) => e.kind === 'released')).toEqual([
      { kind: 'released', krakenOrderId: 'O1', qty: dec('0.3') },
    ]);
    expect(working(after).qty.toString()).toBe('0');
  });

  it('keeps a working order counted when Kraken refuses its amend, releasing only the amend reservation', () => {
    // Prepare
    const book = reserve(emptyBook('acct-1'), reservation());
    const { book: working0 } = run(book, [event('acknowledged'), trade('T1', '0.2', '0.2')]);
    const amending = reserve(
      working0,
      reservation({ orderId: amendReservationId('ord-1'), qty: dec('0.8'), worstPrice: dec('65100') }),
    );

    // Act
    const { book: after, effects } = run(amending, [
      event('rejected', { order_qty: '0.8', cum_qty: '0.2', limit_price: '65100', reason: 'amend refused' }),
    ]);

    // Assess
    expect(effects.filter((e) => e.kind === 'released')).toEqual([]);
    expect(working(after).qty.toString()).toBe('0.3');
    expect(after.orders.get('O1')?.closedAtMs).toBeNull();
    expect(after.reservations.size).toBe(0);
  });

  it('releases a reservation Kraken rejected before acknowledging it', () => {
    // Prepare
    const book = reserve(emptyBook('acct-1'), reservation());

    // Act
    const { book: after } = run(book, [event('rejected', { reason: 'insufficient funds' })]);

    // Assess
    expect(pendingBuy(after).qty.toString()).toBe('0');
  });

  it('does not bring a closed order back when its acknowledgement is redelivered late', () => {
    // Prepare
    const book = reserve(emptyBook('acct-1'), reservation());
    const { book: closed } = run(book, [event('acknowledged'), event('canceled')]);

    // Act: a snapshot replays an older acknowledgement with a new timestamp (a new event id)
    const { book: after, effects } = run(closed, [
      event('acknowledged', { occurred_at: new Date(T0 + 5).toISOString() }),
    ]);

    // Assess
    expect(working(after).qty.toString()).toBe('0');
    expect(effects.map((e) => e.kind)).toEqual(['late']);
  });

  it('flags an order Kraken shows with no reservation behind it', () => {
    // Act
    const { book: after, effects } = run(emptyBook('acct-1'), [event('acknowledged', { cl_ord_id: null })]);

    // Assess: counted all the same, and reported
    expect(effects).toEqual([{ kind: 'unreserved', krakenOrderId: 'O1', clOrdId: null }]);
    expect(working(after).qty.toString()).toBe('0.5');
  });

  it("takes an amend's new quantity and price and releases the amend's own reservation", () => {
    // Prepare
    let book = run(reserve(emptyBook('acct-1'), reservation()), [event('acknowledged')]).book;
    book = reserve(
      book,
      reservation({ orderId: amendReservationId('ord-1'), qty: dec('0.8'), worstPrice: dec('65100') }),
    );

    // Act
    const { book: after } = run(book, [event('amended', { order_qty: '0.8', limit_price: '65100' })]);

    // Assess
    expect(pendingBuy(book).qty.toString()).toBe('1.3');
    expect(pending(after).qty.toString()).toBe('0');
    expect(working(after).qty.toString()).toBe('0.8');
    expect(working(after).notional.toString()).toBe('52080');
  });
});

describe('Function: expireReservations', () => {
  it('releases a reservation nobody acknowledged within its TTL, not before', () => {
    // Prepare
    const book = reserve(emptyBook('acct-1'), reservation());

    // Act
    const early = expireReservations(book, T0 + TTL - 1);
    const due = expireReservations(book, T0 + TTL);

    // Assess
    expect(early.effects).toEqual([]);
    expect(due.effects.map((e) => e.kind)).toEqual(['reservation_expired']);
    expect(due.book.reservations.size).toBe(0);
  });

  it('stops counting an expired reservation even before it is swept', () => {
    const book = reserve(emptyBook('acct-1'), reservation());
    expect(pendingBuy(book, T0 + TTL).qty.toString()).toBe('0');
  });
});

describe('Function: pruneClosed', () => {
  it('forgets closed orders after the retention, and keeps open ones', () => {
    // Prepare
    const open = event('acknowledged', { order_id: 'O2', cl_ord_id: 'ord-2' });
    const { book } = run(emptyBook('acct-1'), [event('acknowledged'), event('canceled'), open]);

    // Act
    const kept = pruneClosed(book, T0 + 1 + 999, 1000);
    const pruned = pruneClosed(book, T0 + 1 + 1000, 1000);

    // Assess
    expect([...kept.orders.keys()]).toEqual(['O1', 'O2']);
    expect([...pruned.orders.keys()]).toEqual(['O2']);
    expect(pruned.seenEvents.size).toBe(0);
  });
});

describe('Function: openOrderFor', () => {
  it('finds a pending reservation, then the working order once acknowledged', () => {
    // Prepare
    const book = reserve(emptyBook('acct-1'), reservation());
    const acknowledged = run(book, [event('acknowledged'), trade('T1', '0.1', '0.1')]).book;

    // Act
    const before = openOrderFor(book, 'ord-1', T0 + 1);
    const after = openOrderFor(acknowledged, 'ord-1', T0 + 1);

    // Assess
    expect([before?.stage, before?.filledQty.toString()]).toEqual(['pending', '0']);
    expect([after?.stage, after?.filledQty.toString(), after?.worstPrice.toString()]).toEqual([
      'working',
      '0.1',
      '65000',
    ]);
    expect(openOrderFor(book, 'other', T0 + 1)).toBeNull();
  });
});
