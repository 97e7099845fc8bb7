import { describe, expect, it } from 'vitest';
import { Decimal } from '../../domain/decimal.js';
import type { WorkingOrder } from '../../domain/executions/working-orders.js';
import type { Reservation } from '../../domain/risk/exposure.js';
import {
  ACCOUNT_BOOK_FIELDS,
  decodeAccountBook,
  decodeReservation,
  decodeWorkingOrder,
  deleteReservationOp,
  encodeAccountBookOps,
  encodeReservation,
  encodeWorkingOrder,
  reservationField,
  setReservationOp,
  setWorkingOrderOp,
  workingOrderField,
} from './account-book-hash.js';

const reservation: Reservation = {
  accountId: 'acct-1',
  orderId: 'cl-1',
  decisionId: 'dec-1',
  symbol: 'BTC/USD',
  side: 'buy',
  type: 'stop-loss-limit',
  qty: Decimal.parse('0.00000001'),
  limitPrice: Decimal.parse('64000.1'),
  triggerPrice: Decimal.parse('63990'),
  worstPrice: Decimal.parse('64000.1'),
  reduceOnly: false,
  createdAtMs: 1_700_000_000_000,
  expiresAtMs: 1_700_000_030_000,
};

const working: WorkingOrder = {
  krakenOrderId: 'OABC-123',
  clOrdId: 'cl-2',
  symbol: 'ETH/USD',
  side: 'sell',
  type: 'limit',
  orderQty: Decimal.parse('2.5'),
  cumQty: Decimal.parse('1'),
  filledQty: Decimal.parse('0.5'),
  limitPrice: Decimal.parse('3000.25'),
  reduceOnly: true,
  closedAtMs: null,
};

describe('Module: account-book-hash', () => {
  describe('Method: decodeAccountBook', () => {
    it('decodes what the writers encode, exactly (decimal strings), with the version', () => {
      // Prepare
      const fields = {
        [reservationField('cl-1')]: encodeReservation(reservation),
        [workingOrderField('OABC-123')]: encodeWorkingOrder(working),
        [ACCOUNT_BOOK_FIELDS.version]: '7',
      };

      // Act
      const { book, version, unreadable } = decodeAccountBook('acct-1', fields);

      // Assess
      expect(version).toBe(7);
      expect(unreadable).toEqual([]);
      const r = book.reservations.get('cl-1');
      expect(r?.qty.toString()).toBe('0.00000001');
      expect(r?.limitPrice?.toString()).toBe('64000.1');
      expect(r?.triggerPrice?.toString()).toBe('63990');
      expect(r?.expiresAtMs).toBe(1_700_000_030_000);
      const o = book.orders.get('OABC-123');
      expect(o?.clOrdId).toBe('cl-2');
      expect(o?.orderQty.toString()).toBe('2.5');
      expect(o?.filledQty.toString()).toBe('0.5');
      expect(o?.limitPrice?.toString()).toBe('3000.25');
      expect(o?.triggerPrice).toBeUndefined();
      expect(o?.reduceOnly).toBe(true);
      expect(o?.closedAtMs).toBeNull();
      expect(book.appliedFills.size).toBe(0);
    });

    it('reads a missing hash as an empty book at version 0', () => {
      // Act
      const { book, version, unreadable } = decodeAccountBook('acct-1', {});

      // Assess
      expect(version).toBe(0);
      expect(book.reservations.size).toBe(0);
      expect(book.orders.size).toBe(0);
      expect(unreadable).toEqual([]);
    });

    it('keeps an amend reservation under its own field, and a tombstone with its closing time', () => {
      // Prepare
      const amend = { ...reservation, orderId: 'cl-1#amend' };
      const closed = { ...working, closedAtMs: 1_700_000_100_000, clOrdId: null };

      // Act
      const { book } = decodeAccountBook('acct-1', {
        [reservationField('cl-1#amend')]: encodeReservation(amend),
        [workingOrderField('OABC-123')]: encodeWorkingOrder(closed),
      });

      // Assess
      expect(book.reservations.get('cl-1#amend')?.orderId).toBe('cl-1#amend');
      expect(book.orders.get('OABC-123')?.closedAtMs).toBe(1_700_000_100_000);
      expect(book.orders.get('OABC-123')?.clOrdId).toBeNull();
    });

    it('names every unreadable field instead of reading it as no exposure (fail closed)', () => {
      // Prepare
      const fields = {
        [reservationField('bad-json')]: '{',
        [reservationField('bad-qty')]: JSON.stringify({ ...JSON.parse(encodeReservation(reservation)), qty: 'x' }),
        [reservationField('other-id')]: encodeReservation(reservation),
        [workingOrderField('bad-type')]: JSON.stringify({ ...JSON.parse(encodeWorkingOrder(working)), type: 'moon' }),
        [workingOrderField('OABC-123')]: JSON.stringify({
          ...JSON.parse(encodeWorkingOrder(working)),
          limit_price: 12,
        }),
        [ACCOUNT_BOOK_FIELDS.version]: 'seven',
        stray: '1',
      };

      // Act
      const { book, unreadable, version } = decodeAccountBook('acct-1', fields);

      // Assess
      expect([...unreadable].sort()).toEqual(
        [
          'r:bad-json',
          'r:bad-qty',
          'r:other-id',
          'o:bad-type',
          'o:OABC-123',
          ACCOUNT_BOOK_FIELDS.version,
          'stray',
        ].sort(),
      );
      expect(book.reservations.size).toBe(0);
      expect(book.orders.size).toBe(0);
      expect(version).toBe(0);
    });
  });

  describe('Method: decodeReservation / decodeWorkingOrder', () => {
    it('refuses values missing a required field', () => {
      for (const field of ['account_id', 'order_id', 'symbol', 'side', 'type', 'qty', 'worst_price', 'expires_at_ms']) {
        const { [field]: _dropped, ...rest } = JSON.parse(encodeReservation(reservation)) as Record<string, unknown>;
        expect(decodeReservation(JSON.stringify(rest)), field).toBeNull();
      }
      for (const field of ['kraken_order_id', 'order_qty', 'cum_qty', 'filled_qty', 'reduce_only', 'side']) {
        const { [field]: _dropped, ...rest } = JSON.parse(encodeWorkingOrder(working)) as Record<string, unknown>;
        expect(decodeWorkingOrder(JSON.stringify(rest)), field).toBeNull();
      }
    });
  });

  describe('Method: encodeAccountBookOps', () => {
    it('flattens sets and deletes into the script arguments the compare-and-set reads', () => {
      // Act
      const args = encodeAccountBookOps([
        setReservationOp(reservation),
        deleteReservationOp('cl-0'),
        setWorkingOrderOp(working),
      ]);

      // Assess
      expect(args).toEqual([
        'S',
        'r:cl-1',
        encodeReservation(reservation),
        'D',
        'r:cl-0',
        'S',
        'o:OABC-123',
        encodeWorkingOrder(working),
      ]);
    });
  });
});
