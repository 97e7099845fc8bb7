import { describe, expect, it } from 'vitest';
import { orderEventId } from '../executions/events.js';
import { ExecutionTranslator } from './execution-translator.js';
import type { KrakenExecution } from './kraken-private-v2.js';
import { type ClosedOrderInfo, isoFromUnixSeconds, settleVanished } from './settle-vanished.js';

const orderId = 'OAAAAA-BBBBB-CCCCCC';
const pendingNew: KrakenExecution = {
  execType: 'pending_new',
  orderId,
  clOrdId: 'strat-1',
  symbol: 'BTC/USD',
  side: 'buy',
  orderType: 'limit',
  orderQty: '1.00000000',
  limitPrice: '65000.0',
  cumQty: '0',
  timestamp: '2026-09-21T10:00:00.000001Z',
};
const history = (over: Partial<ClosedOrderInfo> = {}): ClosedOrderInfo => ({
  status: 'canceled',
  volExec: '0.00000000',
  reason: 'User requested',
  closeTime: 1_790_000_000.1234,
  ...over,
});
/** A translator holding the order, `cumQty` of it filled by trade T1. */
function holding(cumQty = '0'): ExecutionTranslator {
  const translator = new ExecutionTranslator('acct-1');
  translator.apply('update', [pendingNew]);
  if (cumQty !== '0') {
    translator.apply('update', [
      {
        execType: 'trade',
        orderId,
        execId: 'T1',
        lastQty: cumQty,
        lastPrice: '65000.0',
        cumQty,
        timestamp: '2026-09-21T10:00:01.000000Z',
      },
    ]);
  }
  return translator;
}

describe('Function: settleVanished', () => {
  it('closes a canceled or expired order whose executed volume the feed saw, decimals compared as numbers', () => {
    // Act
    const canceled = settleVanished(
      { orderId, orderQty: '1.00000000', cumQty: '0.5' },
      history({ volExec: '0.50000000' }),
    );
    const expired = settleVanished(
      { orderId, orderQty: '1.00000000', cumQty: '0' },
      history({ status: 'expired', volExec: '0.00000000', reason: null }),
    );

    // Assess
    expect(canceled).toEqual({
      kind: 'close',
      execution: {
        execType: 'canceled',
        orderId,
        orderStatus: 'canceled',
        cumQty: '0.5',
        reason: 'User requested',
        timestamp: '2026-09-21T14:13:20.123400Z',
      },
    });
    expect(expired.kind === 'close' && [expired.execution.execType, expired.execution.reason]).toEqual([
      'expired',
      undefined,
    ]);
  });

  it('reports missed fills, never inventing one: more executed than seen, filled or not', () => {
    // Act
    const more = settleVanished({ orderId, orderQty: '1.00000000', cumQty: '0.2' }, history({ volExec: '0.30000000' }));
    const filled = settleVanished(
      { orderId, orderQty: '1.00000000', cumQty: '0.4' },
      history({ status: 'closed', volExec: '1.00000000' }),
    );

    // Assess
    expect(more).toEqual({ kind: 'fills_missed', status: 'canceled', volExec: '0.30000000' });
    expect(filled).toEqual({ kind: 'fills_missed', status: 'closed', volExec: '1.00000000' });
  });

  it('closes a filled order as filled when the feed applied every trade and missed only the message', () => {
    // Act
    const settled = settleVanished(
      { orderId, orderQty: '1.00000000', cumQty: '1' },
      history({ status: 'closed', volExec: '1.00000000', reason: null }),
    );

    // Assess
    expect(settled).toMatchObject({
      kind: 'close',
      execution: { execType: 'filled', orderStatus: 'filled', orderId, cumQty: '1' },
    });
  });

  it('leaves an order Kraken still has open or pending to the next snapshot', () => {
    // Act
    const outcomes = [
      settleVanished({ orderId, orderQty: '1.00000000', cumQty: '0' }, history({ status: 'open', closeTime: null })),
      settleVanished({ orderId, orderQty: '1.00000000', cumQty: '0' }, history({ status: 'pending', closeTime: null })),
    ];

    // Assess
    expect(outcomes).toEqual([{ kind: 'still_open' }, { kind: 'still_open' }]);
  });

  it('leaves the order and says why when the history has no entry, an unreadable one or one it cannot trust', () => {
    // Act
    const outcomes = [
      settleVanished({ orderId, orderQty: '1.00000000', cumQty: '0' }, undefined),
      settleVanished(
        { orderId, orderQty: '1.00000000', cumQty: '0' },
        { status: 'unreadable', problem: 'vol_exec missing' },
      ),
      settleVanished({ orderId, orderQty: '1.00000000', cumQty: '0' }, history({ volExec: 'lots' })),
      settleVanished({ orderId, orderQty: '1.00000000', cumQty: '0.5' }, history({ volExec: '0.4' })),
      settleVanished({ orderId, orderQty: '1.00000000', cumQty: '0' }, history({ closeTime: null })),
    ];

    // Assess
    expect(outcomes.map((o) => o.kind === 'unknown' && o.problem)).toEqual([
      'not in the order history',
      'vol_exec missing',
      'vol_exec is not a decimal',
      'vol_exec is below the quantity the feed saw filled',
      'no close time',
    ]);
  });
});

describe('Function: isoFromUnixSeconds', () => {
  it('writes Kraken seconds as RFC 3339 with microseconds, and refuses what is not a time', () => {
    // Act
    const written = [isoFromUnixSeconds(1_790_000_000), isoFromUnixSeconds(1_790_000_000.000001)];
    const refused = [isoFromUnixSeconds(0), isoFromUnixSeconds(Number.NaN), isoFromUnixSeconds(1e20)];

    // Assess
    expect(written).toEqual(['2026-09-21T14:13:20.000000Z', '2026-09-21T14:13:20.000001Z']);
    expect(refused).toEqual([null, null, null]);
  });
});

describe('Class: ExecutionTranslator (settle)', () => {
  it('publishes the missed cancel as the live message would have been, and the order leaves the working set', () => {
    // Prepare
    const settled = holding('0.5');
    const live = holding('0.5');

    // Act
    const result = settled.settle(orderId, history({ volExec: '0.50000000', closeTime: 1_790_000_000.5 }));
    const liveEvents = live.apply('update', [
      {
        execType: 'canceled',
        orderId,
        cumQty: '0.5',
        reason: 'User requested',
        timestamp: '2026-09-21T14:13:20.500000Z',
      },
    ]).events;

    // Assess
    expect(result.settlement.kind).toBe('close');
    expect(result.events).toEqual(liveEvents);
    expect(result.events[0]).toMatchObject({
      type: 'canceled',
      cl_ord_id: 'strat-1',
      order_qty: '1.00000000',
      cum_qty: '0.5',
      reason: 'User requested',
      occurred_at: '2026-09-21T14:13:20.500000Z',
    });
    expect(result.events[0]?.event_id).toBe(orderEventId(result.events[0] as NonNullable<(typeof result.events)[0]>));
    expect(settled.workingOrders().has(orderId)).toBe(false);
  });

  it('closes an order whose every trade it applied as filled, with no fill of its own', () => {
    // Prepare: the whole quantity filled by trade T1, the `filled` message missed
    const translator = holding('1.00000000');

    // Act
    const result = translator.settle(orderId, history({ status: 'closed', volExec: '1.00000000', reason: null }));

    // Assess
    expect(result.settlement.kind).toBe('close');
    expect(result.events).toHaveLength(1);
    expect(result.events[0]).toMatchObject({ type: 'filled', cum_qty: '1.00000000' });
    expect(result.events[0]?.fill ?? null).toBeNull();
    expect(translator.workingOrders().has(orderId)).toBe(false);
  });

  it('keeps an order it cannot settle working, and says `gone` for one no longer held', () => {
    // Prepare
    const translator = holding('0.2');

    // Act
    const missed = translator.settle(orderId, history({ volExec: '0.3' }));
    const open = translator.settle(orderId, history({ status: 'open', closeTime: null }));
    const gone = translator.settle('OTHER', history());

    // Assess
    expect(missed.events).toEqual([]);
    expect(missed.settlement.kind).toBe('fills_missed');
    expect(open.settlement.kind).toBe('still_open');
    expect(translator.workingOrders().get(orderId)?.cumQty).toBe('0.2');
    expect(gone.settlement).toEqual({ kind: 'gone' });
  });
});
