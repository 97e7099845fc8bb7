import { describe, expect, it } from 'vitest';
import {
  encodeReservation,
  encodeWorkingOrder,
  reservationField,
  workingOrderField,
} from '../../../shared/adapters/redis/account-book-hash.js';
import { Decimal } from '../../../shared/domain/decimal.js';
import type { WorkingOrder } from '../../../shared/domain/executions/working-orders.js';
import { bookRestoreOps } from './redis-hot-state.js';

const order = (id: string, over: Partial<WorkingOrder> = {}): WorkingOrder => ({
  krakenOrderId: id,
  clOrdId: `cl-${id}`,
  symbol: 'BTC/USD',
  side: 'buy',
  type: 'limit',
  orderQty: Decimal.parse('1'),
  cumQty: Decimal.parse('0'),
  filledQty: Decimal.parse('0'),
  limitPrice: Decimal.parse('60000'),
  reduceOnly: false,
  closedAtMs: null,
  ...over,
});

describe('Function: bookRestoreOps', () => {
  it('sets every open order on an empty book (a cache lost whole)', () => {
    // Prepare
    const open = [order('O1'), order('O2', { side: 'sell' })];

    // Act
    const ops = bookRestoreOps({}, open);

    // Assess
    expect(ops).toEqual([
      { op: 'set', field: workingOrderField('O1'), value: encodeWorkingOrder(open[0] as WorkingOrder) },
      { op: 'set', field: workingOrderField('O2'), value: encodeWorkingOrder(open[1] as WorkingOrder) },
    ]);
  });

  it('writes nothing when the book already agrees', () => {
    // Prepare
    const o = order('O1');

    // Act
    const ops = bookRestoreOps({ [workingOrderField('O1')]: encodeWorkingOrder(o), '~v': '4' }, [o]);

    // Assess
    expect(ops).toEqual([]);
  });

  it('deletes an order the cache holds open that PostgreSQL has not open, and an unreadable one; keeps tombstones and reservations', () => {
    // Prepare
    const tombstone = order('T1', { closedAtMs: 1_700_000_000_000 });
    const fields = {
      [workingOrderField('STALE')]: encodeWorkingOrder(order('STALE')),
      [workingOrderField('BAD')]: '{not json',
      [workingOrderField('T1')]: encodeWorkingOrder(tombstone),
      [reservationField('r1')]: encodeReservation({
        accountId: 'a',
        orderId: 'r1',
        decisionId: 'd1',
        symbol: 'BTC/USD',
        side: 'buy',
        type: 'limit',
        qty: Decimal.parse('1'),
        worstPrice: Decimal.parse('60000'),
        limitPrice: Decimal.parse('60000'),
        reduceOnly: false,
        createdAtMs: 1,
        expiresAtMs: 2,
      }),
      '~v': '7',
    };

    // Act
    const ops = bookRestoreOps(fields, []);

    // Assess
    expect(ops).toEqual([
      { op: 'del', field: workingOrderField('STALE') },
      { op: 'del', field: workingOrderField('BAD') },
    ]);
  });
});
