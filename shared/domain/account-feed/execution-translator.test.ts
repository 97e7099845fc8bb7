import { describe, expect, it } from 'vitest';
import { ExecutionTranslator, translateBalances } from './execution-translator.js';
import type { KrakenExecution } from './kraken-private-v2.js';

const pendingNew: KrakenExecution = {
  execType: 'pending_new',
  orderId: 'OAAAAA-BBBBB-CCCCCC',
  clOrdId: 'strat-1',
  symbol: 'BTC/USD',
  side: 'buy',
  orderType: 'limit',
  orderQty: '0.5',
  limitPrice: '65000.0',
  cumQty: '0',
  timestamp: '2026-09-21T10:00:00.000001Z',
};
const at = (s: number) => `2026-09-21T10:00:${String(s).padStart(2, '0')}.000000Z`;
const trade = (execId: string, qty: string, s: number, status = 'partially_filled'): KrakenExecution => ({
  execType: 'trade',
  orderId: pendingNew.orderId,
  execId,
  symbol: 'BTC/USD',
  side: 'buy',
  orderType: 'limit',
  lastQty: qty,
  lastPrice: '64990.5',
  feeUsdEquiv: '1.25',
  liquidity: 'm',
  orderStatus: status,
  timestamp: at(s),
});

describe('Class: ExecutionTranslator', () => {
  it('follows an order through its life with the description it only got once', () => {
    // Prepare
    const translator = new ExecutionTranslator('acct-1');

    // Act
    const events = [
      ...translator.apply('update', [pendingNew]).events,
      ...translator.apply('update', [{ execType: 'new', orderId: pendingNew.orderId, timestamp: at(1) }]).events,
      ...translator.apply('update', [trade('T1', '0.2', 2)]).events,
      ...translator.apply('update', [trade('T2', '0.3', 3)]).events,
      ...translator.apply('update', [
        { execType: 'filled', orderId: pendingNew.orderId, timestamp: at(3), cumQty: '0.5' },
      ]).events,
    ];

    // Assess
    expect(events.map((e) => [e.type, e.cl_ord_id, e.symbol, e.order_qty, e.cum_qty])).toEqual([
      ['acknowledged', 'strat-1', 'BTC/USD', '0.5', '0'],
      ['partially_filled', 'strat-1', 'BTC/USD', '0.5', '0.2'],
      ['partially_filled', 'strat-1', 'BTC/USD', '0.5', '0.5'],
      ['filled', 'strat-1', 'BTC/USD', '0.5', '0.5'],
    ]);
    expect(events[1]?.fill).toEqual({ exec_id: 'T1', qty: '0.2', price: '64990.5', fee: '1.25', liquidity: 'm' });
    expect(events[1]?.event_id).toBe('T1');
    expect(translator.workingOrders().size).toBe(0);
  });

  it('reports an update for an order it never saw instead of inventing its quantity', () => {
    // Act
    const result = new ExecutionTranslator('acct-1').apply('update', [
      { execType: 'canceled', orderId: 'OZZZZZ', timestamp: at(1) },
    ]);

    // Assess
    expect(result.events).toEqual([]);
    expect(result.problems).toEqual([{ orderId: 'OZZZZZ', execType: 'canceled', problem: 'order not described' }]);
  });

  it('maps amended and restated to amended, canceled and expired to themselves with the reason', () => {
    // Prepare
    const translator = new ExecutionTranslator('acct-1');
    translator.apply('update', [pendingNew, { ...pendingNew, orderId: 'O2', clOrdId: 'strat-2' }]);

    // Act
    const events = translator.apply('update', [
      { execType: 'amended', orderId: pendingNew.orderId, orderQty: '0.4', timestamp: at(1) },
      { execType: 'restated', orderId: 'O2', limitPrice: '64000', timestamp: at(1) },
      { execType: 'canceled', orderId: pendingNew.orderId, reason: 'User requested', timestamp: at(2) },
      { execType: 'expired', orderId: 'O2', timestamp: at(3) },
    ]).events;

    // Assess
    expect(events.map((e) => [e.type, e.order_qty, e.limit_price, e.reason])).toEqual([
      ['amended', '0.4', '65000.0', undefined],
      ['amended', '0.5', '64000', undefined],
      ['canceled', '0.4', '65000.0', 'User requested'],
      ['expired', '0.5', '64000', undefined],
    ]);
    expect(new Set(events.map((e) => e.event_id)).size).toBe(4);
  });

  it('reconciles a reconnect snapshot: new orders acknowledged, missed fills applied once, closures found', () => {
    // Prepare: two working orders, one fill already applied
    const translator = new ExecutionTranslator('acct-1');
    translator.apply('update', [pendingNew, { ...pendingNew, orderId: 'O2', clOrdId: 'strat-2' }]);
    translator.apply('update', [trade('T1', '0.2', 2)]);
    const { clOrdId: _none, ...withoutClientId } = pendingNew;
    const o3: KrakenExecution = { ...withoutClientId, execType: 'new', orderId: 'O3' };

    // Act: while away, order 1 filled (T1 repeated, T2 new) and O2 vanished; O3 appeared
    const result = translator.apply('snapshot', [trade('T1', '0.2', 2), { ...trade('T2', '0.3', 5, 'filled') }, o3]);

    // Assess
    expect(result.events.map((e) => [e.type, e.order_id, e.cum_qty])).toEqual([
      ['partially_filled', pendingNew.orderId, '0.5'],
      ['acknowledged', 'O3', '0'],
      ['filled', pendingNew.orderId, '0.5'],
    ]);
    expect(result.events[1]?.cl_ord_id).toBeNull();
    expect(result.reconciliation).toEqual({ appeared: ['O3'], vanished: ['O2'] });
    expect(result.newOrders.map((o) => o.orderId)).toEqual(['O3']);
  });

  it('says nothing about a known order a snapshot restates unchanged', () => {
    // Prepare
    const translator = new ExecutionTranslator('acct-1');
    translator.apply('update', [pendingNew]);

    // Act
    const result = translator.apply('snapshot', [{ ...pendingNew, execType: 'new', timestamp: at(9) }]);

    // Assess
    expect(result.events).toEqual([]);
    expect(result.reconciliation).toEqual({ appeared: [], vanished: [] });
  });
});

describe('Function: translateBalances', () => {
  it('keys an update by its ledger entry and a snapshot entry by asset, balance and time', () => {
    // Act
    const { events } = translateBalances(
      'acct-1',
      [
        { asset: 'USD', balance: '100.5' },
        { asset: 'BTC', balance: '0.1', ledgerId: 'L-1', timestamp: '2026-09-21T10:00:00.000000Z' },
      ],
      '2026-09-21T09:00:00.000Z',
    );

    // Assess
    expect(events.map((e) => e.event_id)).toEqual(['USD:100.5:2026-09-21T09:00:00.000Z', 'L-1']);
  });
});
