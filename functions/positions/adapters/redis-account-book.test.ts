import { describe, expect, it } from 'vitest';
import {
  encodeReservation,
  encodeWorkingOrder,
  reservationField,
  workingOrderField,
} from '../../../shared/adapters/redis/account-book-hash.js';
import { Decimal } from '../../../shared/domain/decimal.js';
import type { WorkingOrder } from '../../../shared/domain/executions/working-orders.js';
import type { WorkingOrdersSnapshot } from '../ports.js';
import { reservationOf } from '../test-support/memory-ports.js';
import { bookMirrorOps } from './redis-account-book.js';

const order = (id: string, fields: Partial<WorkingOrder> = {}): WorkingOrder => ({
  krakenOrderId: id,
  clOrdId: `cl-${id}`,
  symbol: 'BTC/USD',
  side: 'buy',
  type: 'limit',
  orderQty: Decimal.parse('1'),
  cumQty: Decimal.ZERO,
  filledQty: Decimal.ZERO,
  limitPrice: Decimal.parse('100'),
  reduceOnly: false,
  closedAtMs: null,
  ...fields,
});

const snapshot = (orders: WorkingOrder[], released: [string, string][] = []): WorkingOrdersSnapshot => ({
  accountId: 'acct-1',
  orders,
  released: new Map(released.map(([id, decision]) => [id, new Set([decision])])),
});

describe('Function: bookMirrorOps', () => {
  it('writes nothing when the book already agrees (a redelivered batch bumps no version)', () => {
    // Prepare
    const fields = { [workingOrderField('O-1')]: encodeWorkingOrder(order('O-1')), '~v': '7' };

    // Act
    const ops = bookMirrorOps(fields, snapshot([order('O-1')]));

    // Assess
    expect(ops).toEqual([]);
  });

  it('sets changed orders, deletes pruned and unreadable ones, and leaves other fields alone', () => {
    // Prepare
    const filled = order('O-1', { cumQty: Decimal.parse('1'), filledQty: Decimal.parse('1'), closedAtMs: 5 });
    const fields = {
      [workingOrderField('O-1')]: encodeWorkingOrder(order('O-1')),
      [workingOrderField('O-pruned')]: encodeWorkingOrder(order('O-pruned', { closedAtMs: 1 })),
      [workingOrderField('O-bad')]: '{not json',
      [reservationField('ord-9')]: encodeReservation(reservationOf('acct-1', 'ord-9')),
      '~v': '3',
    };

    // Act
    const ops = bookMirrorOps(fields, snapshot([filled]));

    // Assess
    expect(ops.map((op) => [op.op, op.field])).toEqual([
      ['set', workingOrderField('O-1')],
      ['del', workingOrderField('O-pruned')],
      ['del', workingOrderField('O-bad')],
    ]);
  });

  it('deletes a released reservation only under the decision that was released', () => {
    // Prepare: ord-1 was acknowledged under d-1; ord-2 was replaced (a pending amend, d-2b) since.
    const fields = {
      [reservationField('ord-1')]: encodeReservation(reservationOf('acct-1', 'ord-1', { decisionId: 'd-1' })),
      [reservationField('ord-2')]: encodeReservation(reservationOf('acct-1', 'ord-2', { decisionId: 'd-2b' })),
    };

    // Act
    const ops = bookMirrorOps(
      fields,
      snapshot(
        [],
        [
          ['ord-1', 'd-1'],
          ['ord-2', 'd-2a'],
        ],
      ),
    );

    // Assess
    expect(ops).toEqual([{ op: 'del', field: reservationField('ord-1') }]);
  });
});
