import { describe, expect, it } from 'vitest';
import { dec } from '../decimal.js';
import { NOW_MS, orderBody, orderFixture, stateFixture } from '../risk/fixtures.js';
import { type AccountLimits, parseLimits } from '../risk/limits.js';
import { recordState, restoreState } from '../risk/recorded-state.js';
import { evaluateOrder } from '../risk/rules.js';
import type { RiskState } from '../risk/state.js';
import { WhatIfRangeTooLongError } from './errors.js';
import { checkWhatIfRange, type RecordedDecision, replayUnderLimits } from './what-if.js';

/**
 * A recorded set whose outcome under the proposal is stated by hand: the recorded answers
 * below are written out (not computed), and the replay must agree with them under the
 * recorded limits before it says anything about the proposal.
 *
 * Recorded limits v3: NAV 1,000,000 and the defaults (max_order_notional 250,000,
 * max_nav_percent 0.20, 50 orders per 1,000 ms). BTC/USD mid 65,000.
 * Proposal: max_order_notional 5,000 (tighter) and 100 orders per window (looser).
 */
const RECORDED: AccountLimits = parseLimits({ nav: '1000000' });
const PROPOSED: AccountLimits = parseLimits({ nav: '1000000', max_order_notional: '5000', max_orders_per_window: 100 });
const AT = new Date(NOW_MS).toISOString();

function recorded(
  id: string,
  body: Record<string, unknown>,
  decision: 'accept' | 'reject',
  reasonCodes: string[],
  options: { state?: RiskState; version?: number | null; inputs?: unknown } = {},
): RecordedDecision {
  const request = orderBody({ order_id: `ord-${id}`, ...body });
  return {
    decisionId: id,
    decidedAt: AT,
    orderId: request.order_id,
    symbol: request.symbol,
    decision,
    reasonCodes,
    limitsVersion: options.version === undefined ? 3 : options.version,
    request,
    inputs: options.inputs ?? { state: recordState(options.state ?? stateFixture(), request.symbol, true) },
  };
}

const SET: RecordedDecision[] = [
  // 0.1 BTC = 6,500: accepted; over the proposed 5,000 -> accept to reject.
  recorded('d1', { quantity: '0.1' }, 'accept', []),
  // 1 BTC = 65,000: accepted; over 5,000 -> accept to reject.
  recorded('d2', { quantity: '1' }, 'accept', []),
  // 0.05 BTC = 3,250: under both -> unchanged accept.
  recorded('d3', { quantity: '0.05' }, 'accept', []),
  // 5 BTC = 325,000: over 250,000 and over 20% of NAV; still over both -> unchanged reject.
  recorded('d4', { quantity: '5' }, 'reject', ['MAX_ORDER_NOTIONAL', 'NAV_LIMIT_BREACH']),
  // 60 orders in the window: over 50, under the proposed 100 -> reject to accept.
  recorded('d5', { quantity: '0.05' }, 'reject', ['ORDER_RATE_LIMIT'], {
    state: stateFixture({ ordersInWindow: 60 }),
  }),
  // Recorded before inputs.state existed.
  recorded('d6', { quantity: '0.1' }, 'accept', [], { inputs: { notional: '6500' } }),
  // Refused before the rules ran.
  recorded('d7', { quantity: '0.1' }, 'reject', ['RISK_STATE_UNAVAILABLE'], { inputs: { failure: 'risk state' } }),
  // Made under a limits version nobody has.
  recorded('d8', { quantity: '0.1' }, 'accept', [], { version: 9 }),
  // The record says accept, but its state had a kill switch engaged: the replay disagrees.
  recorded('d9', { quantity: '0.1' }, 'accept', [], {
    state: stateFixture({ killSwitches: [{ scope: 'global', reason: 'drill', allowReduceOnly: false }] }),
  }),
  // A cancel only ever lowers risk: accepted under any limits.
  {
    ...recorded('d10', {}, 'accept', []),
    request: { action: 'cancel', account_id: 'company', order_id: 'ord-d1', symbol: 'BTC/USD' },
    inputs: { action: 'cancel' },
  },
];

describe('Function: replayUnderLimits', () => {
  it('reports exactly the flips stated by hand, by reason code, and why the rest could not be replayed', () => {
    // Act
    const report = replayUnderLimits({
      accountId: 'company',
      from: AT,
      to: AT,
      proposed: PROPOSED,
      recordedLimits: new Map([[3, RECORDED]]),
      decisions: SET,
      maxExamples: 10,
    });

    // Assess
    expect(report.totals).toEqual({ decisions: 10, replayed: 6, unchanged: 3, flipped: 3, not_replayable: 4 });
    expect(report.flips.accept_to_reject.count).toBe(2);
    expect(report.flips.accept_to_reject.by_reason).toEqual({ MAX_ORDER_NOTIONAL: 2 });
    expect(report.flips.accept_to_reject.examples.map((e) => e.decision_id)).toEqual(['d1', 'd2']);
    expect(report.flips.accept_to_reject.examples[0]?.proposed.reasons[0]?.message).toContain('exceeds 5000');
    expect(report.flips.reject_to_accept).toMatchObject({ count: 1, by_reason: { ORDER_RATE_LIMIT: 1 } });
    expect(report.flips.reject_to_accept.examples[0]).toMatchObject({
      decision_id: 'd5',
      recorded: { decision: 'reject', reasons: ['ORDER_RATE_LIMIT'] },
      proposed: { decision: 'accept', reasons: [] },
    });
    expect(report.reasons_changed.count).toBe(0);
    expect(report.not_replayable.by_cause).toEqual({
      LIMITS_VERSION_UNKNOWN: 1,
      NOT_EVALUATED: 1,
      REPLAY_DIVERGED: 1,
      STATE_NOT_RECORDED: 1,
    });
    expect(report.not_replayable.examples.find((e) => e.decision_id === 'd9')?.detail).toContain(
      'replayed reject [KILL_SWITCH_ACTIVE]',
    );
    expect(report.recorded_limits_versions).toEqual([3]);
  });

  it('counts a reject that stays a reject for other reasons, and keeps only the examples asked for', () => {
    // Prepare: 5 BTC rejected for notional and NAV; the proposal lifts the notional cap and tightens quantity.
    const looser = parseLimits({ nav: '1000000', max_order_notional: '1000000', max_order_quantity: '2' });
    const decisions = [1, 2, 3].map((n) =>
      recorded(`r${n}`, { quantity: '5' }, 'reject', ['MAX_ORDER_NOTIONAL', 'NAV_LIMIT_BREACH']),
    );

    // Act
    const report = replayUnderLimits({
      accountId: 'company',
      from: AT,
      to: AT,
      proposed: looser,
      recordedLimits: new Map([[3, RECORDED]]),
      decisions,
      maxExamples: 2,
    });

    // Assess
    expect(report.totals).toMatchObject({ replayed: 3, unchanged: 3, flipped: 0 });
    expect(report.reasons_changed.count).toBe(3);
    expect(report.reasons_changed.by_reason).toEqual({ '+MAX_ORDER_QUANTITY': 3, '-MAX_ORDER_NOTIONAL': 3 });
    expect(report.reasons_changed.examples).toHaveLength(2);
  });

  it('replays the throttle under another window only where the recorded count settles the answer', () => {
    // Prepare: 60 orders recorded in 1,000 ms (over 50).
    const busy = recorded('t1', { quantity: '0.05' }, 'reject', ['ORDER_RATE_LIMIT'], {
      state: stateFixture({ ordersInWindow: 60 }),
    });
    const run = (limits: Record<string, unknown>) =>
      replayUnderLimits({
        accountId: 'company',
        from: AT,
        to: AT,
        proposed: parseLimits({ nav: '1000000', ...limits }),
        recordedLimits: new Map([[3, RECORDED]]),
        decisions: [busy],
        maxExamples: 5,
      });

    // Act
    const longerStillOver = run({ order_rate_window_ms: 5_000, max_orders_per_window: 50 });
    const shorterUnknown = run({ order_rate_window_ms: 500, max_orders_per_window: 50 });
    const shorterSettled = run({ order_rate_window_ms: 500, max_orders_per_window: 60 });

    // Assess: a longer window holds at least 60 (> 50: still a reject); a shorter one at most 60.
    expect(longerStillOver.totals).toMatchObject({ replayed: 1, unchanged: 1 });
    expect(shorterUnknown.not_replayable.by_cause).toEqual({ RATE_WINDOW_CHANGED: 1 });
    expect(shorterSettled.flips.reject_to_accept.count).toBe(1);
  });
});

describe('Function: checkWhatIfRange', () => {
  it('refuses a range longer than the bound, naming both', () => {
    // Act
    const tooLong = () => checkWhatIfRange('2026-01-01T00:00:00Z', '2026-01-03T00:00:00Z', 86_400_000);

    // Assess
    expect(tooLong).toThrow(WhatIfRangeTooLongError);
    expect(() => checkWhatIfRange('2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z', 86_400_000)).not.toThrow();
  });
});

describe('Function: restoreState', () => {
  it('gives back a state the rules judge exactly as the original, open orders and balances included', () => {
    // Prepare: a state with every optional part set.
    const state = stateFixture({
      positions: new Map([['BTC/USD', dec('-0.5')]]),
      marks: new Map([
        ['BTC/USD', dec('65000')],
        ['ETH/USD', dec('3000')],
      ]),
      balances: new Map([
        ['USD', dec('10000')],
        ['BTC', dec('0.2')],
      ]),
      dailyRealisedPnl: dec('-120.5'),
      openOrders: new Map([
        [
          'ETH/USD',
          {
            working: {
              buy: { qty: dec('2'), notional: dec('6000'), count: 1, reduceOnlyQty: dec('0') },
              sell: { qty: dec('0'), notional: dec('0'), count: 0, reduceOnlyQty: dec('0') },
            },
            pending: {
              buy: { qty: dec('0'), notional: dec('0'), count: 0, reduceOnlyQty: dec('0') },
              sell: { qty: dec('1'), notional: dec('3010'), count: 1, reduceOnlyQty: dec('1') },
            },
          },
        ],
      ]),
      accountFeedUsable: true,
    });
    const order = orderFixture({ quantity: '0.2' });
    const account = { accountId: 'acct-1', enabled: true, limitsVersion: 3, limits: RECORDED };

    // Act
    const restored = restoreState(JSON.parse(JSON.stringify(recordState(state, 'BTC/USD', true))), 'BTC/USD');

    // Assess
    expect(restored.ok).toBe(true);
    if (!restored.ok) return;
    expect(evaluateOrder(order, account, restored.state, NOW_MS)).toEqual(evaluateOrder(order, account, state, NOW_MS));
    expect(restored.state.universe?.has('BTC/USD')).toBe(true);
    expect(restoreState({ v: 1 }, 'BTC/USD')).toMatchObject({ ok: false });
  });
});
