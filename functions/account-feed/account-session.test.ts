import { describe, expect, it } from 'vitest';
import type { AccountFeedStatus } from '../../shared/adapters/redis/account-feed-hash.js';
import type { StoredVerdict } from '../../shared/domain/account-feed/unvetted.js';
import type { BalanceEvent, OrderEvent } from '../../shared/domain/executions/events.js';
import { type AccountOrderHistory, AccountSession, type SessionConnection } from './account-session.js';
import type { UnvettedOrderReport } from './ports.js';

/** In-memory stand-ins of the session's ports. */
function harness(
  options: {
    verdict?: StoredVerdict | 'throw';
    cancelUnvetted?: boolean;
    now?: () => number;
    history?: AccountOrderHistory;
  } = {},
) {
  const published: (OrderEvent | BalanceEvent)[] = [];
  const logs: { message: string; extra?: Record<string, unknown> }[] = [];
  const statuses: AccountFeedStatus[] = [];
  const reports: UnvettedOrderReport[] = [];
  const calls: string[] = [];
  const connection: SessionConnection = {
    connected: true,
    call: async (build) => {
      calls.push(build('tok', calls.length + 1));
      return { success: true, error: null, result: {} };
    },
  };
  const session = new AccountSession({
    accountId: 'acct-1',
    sink: { publish: (_a, e) => published.push(e), oldestPendingAgeMs: () => 0, flush: async () => undefined },
    statusStore: { write: async (_a, s) => void statuses.push(s) },
    decisions: {
      verdict: async () => {
        if (options.verdict === 'throw') throw new Error('redis down');
        return options.verdict ?? null;
      },
    },
    audit: { record: async (r) => void reports.push(r) },
    log: (_level, message, extra) => void logs.push({ message, extra }),
    history: options.history,
    maxSilenceMs: 1_000,
    publishMaxDelayMs: 1_000,
    statusTtlMs: 5_000,
    cancelUnvetted: options.cancelUnvetted ?? false,
    deadMansSwitch: { timeoutSeconds: 60, refreshMs: 15_000 },
    now: options.now,
  });
  session.attach(connection);
  return { session, published, statuses, reports, calls, logs };
}

/** Kraken's `pending_new` of a buy limit order, as the executions channel sends it. */
const pendingNew = (orderId: string, clOrdId: string | undefined) => ({
  execType: 'pending_new',
  orderId,
  clOrdId,
  symbol: 'BTC/USD',
  side: 'buy' as const,
  orderType: 'limit',
  orderQty: '1',
  limitPrice: '65000',
  timestamp: '2026-09-21T10:00:00.000000Z',
});
const order = (clOrdId?: string) => ({
  kind: 'executions' as const,
  type: 'update' as const,
  sequence: 2,
  data: [pendingNew('O1', clOrdId), { execType: 'new', orderId: 'O1', timestamp: '2026-09-21T10:00:00.000100Z' }],
});
const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('Class: AccountSession', () => {
  it('publishes a repeated frame once', () => {
    // Prepare
    const { session, published } = harness({ verdict: 'accept' });

    // Act
    session.handle(order('ok-1'), 1);
    session.handle(order('ok-1'), 2);

    // Assess
    expect(published.map((e) => e.kind === 'order' && e.type)).toEqual(['acknowledged']);
    expect(session.counters.duplicates).toBe(1);
  });

  it('cancels an order with no decision under the cancel policy, and only reports one whose lookup failed', async () => {
    // Prepare
    const strict = harness({ verdict: null, cancelUnvetted: true });
    const storeDown = harness({ verdict: 'throw', cancelUnvetted: true });

    // Act
    strict.session.handle(order('unknown-1'), 1);
    storeDown.session.handle(order('unknown-1'), 1);
    await settle();

    // Assess
    expect(strict.reports.map((r) => [r.reason, r.action])).toEqual([['no_decision', 'cancel_requested']]);
    expect(strict.calls.map((c) => JSON.parse(c).method)).toEqual(['cancel_order']);
    expect(storeDown.reports.map((r) => [r.reason, r.action])).toEqual([['lookup_failed', 'reported']]);
    expect(storeDown.calls).toEqual([]);
  });

  it('stays failed closed until the snapshot of its connection arrived, then goes silent without frames', async () => {
    // Prepare
    let now = 1_000;
    const { session } = harness({ now: () => now });

    // Act
    session.connected();
    const awaiting = await session.writeStatus();
    session.handle({ kind: 'executions', type: 'snapshot', sequence: 1, data: [] }, now);
    const live = await session.writeStatus();
    now += 1_001;
    const silent = await session.writeStatus();

    // Assess
    expect([awaiting.reason, live.state, silent.reason]).toEqual(['awaiting_snapshot', 'live', 'silent']);
    expect(silent.sinceMs).toBe(now);
  });

  it('arms the dead man’s switch only while the gate is healthy', async () => {
    // Prepare
    let now = 0;
    const { session, calls } = harness({ now: () => now });

    // Act
    await session.tickDeadMansSwitch({ healthy: true, reasons: [] });
    now = 20_000;
    await session.tickDeadMansSwitch({ healthy: false, reasons: ['marks_stale'] });
    now = 40_000;
    await session.tickDeadMansSwitch({ healthy: false, reasons: ['marks_stale'] });

    // Assess
    expect(calls.map((c) => JSON.parse(c).params.timeout)).toEqual([60]);
    expect(session.counters.deadMansWithheld).toBe(2);
  });

  describe('orders closed while the feed was away', () => {
    const placed = (orderId: string) => ({
      kind: 'executions' as const,
      type: 'update' as const,
      sequence: 2,
      data: [pendingNew(orderId, `c-${orderId}`)],
    });
    const snapshot = (...openIds: string[]) => ({
      kind: 'executions' as const,
      type: 'snapshot' as const,
      sequence: 1,
      data: openIds.map((orderId) => ({ execType: 'new', orderId, timestamp: '2026-09-21T10:00:00.000000Z' })),
    });
    const canceled = (volExec = '0') => ({
      status: 'canceled' as const,
      volExec,
      reason: 'User requested',
      closeTime: 1_790_000_000,
    });

    it('publishes the cancel the history proves and leaves an order whose fills were missed working', async () => {
      // Prepare
      const asked: (readonly string[])[] = [];
      const { session, published, logs } = harness({
        verdict: 'accept',
        history: {
          query: async (ids) => {
            asked.push(ids);
            return new Map([
              ['O1', canceled('0.00000000')],
              ['O2', canceled('0.4')],
            ]);
          },
        },
      });
      session.handle(placed('O1'), 1);
      session.handle(placed('O2'), 2);
      session.handle(placed('O3'), 3);

      // Act
      session.handle(snapshot('O3'), 4);
      await settle();

      // Assess
      expect(asked).toEqual([['O1', 'O2']]);
      const closed = published.filter((e) => e.kind === 'order' && e.type === 'canceled');
      expect(closed).toMatchObject([
        { order_id: 'O1', reason: 'User requested', occurred_at: '2026-09-21T14:13:20.000000Z' },
      ]);
      expect([...session.workingOrders().keys()]).toEqual(['O2', 'O3']);
      expect(session.counters).toMatchObject({ settledFromHistory: 1, unsettled: 1 });
      expect(logs.find((l) => l.message === 'order closed while disconnected left working')?.extra).toMatchObject({
        orderId: 'O2',
        clOrdId: 'c-O2',
        outcome: 'fills_missed',
      });
    });

    it('settles nothing Kraken reported again before the history answered', async () => {
      // Prepare
      let answer: (value: Map<string, ReturnType<typeof canceled>>) => void = () => undefined;
      const { session, published } = harness({
        verdict: 'accept',
        history: { query: () => new Promise((resolve) => (answer = resolve)) },
      });
      session.handle(placed('O1'), 1);
      session.handle(snapshot(), 2);

      // Act: a new snapshot lists it open again, then the (stale) history answer arrives
      session.handle(snapshot('O1'), 3);
      answer(new Map([['O1', canceled()]]));
      await settle();

      // Assess
      expect(published.some((e) => e.kind === 'order' && e.type === 'canceled')).toBe(false);
      expect(session.workingOrders().has('O1')).toBe(true);
      expect(session.counters.settledFromHistory).toBe(0);
    });

    it('leaves the orders working when the history fails, logging no credential, and asks again on the next snapshot', async () => {
      // Prepare
      let calls = 0;
      const { session, published, logs } = harness({
        verdict: 'accept',
        history: {
          query: async () => {
            calls++;
            if (calls === 1) throw new Error('Kraken API error: EService:Unavailable');
            return new Map([['O1', canceled()]]);
          },
        },
      });
      session.handle(placed('O1'), 1);

      // Act
      session.handle(snapshot(), 2);
      await settle();
      const stillWorking = session.workingOrders().has('O1');
      session.handle(snapshot(), 3);
      await settle();

      // Assess
      expect(stillWorking).toBe(true);
      expect(logs.find((l) => l.message.startsWith('order history unavailable'))?.extra).toEqual({
        accountId: 'acct-1',
        orderIds: ['O1'],
        error: 'Kraken API error: EService:Unavailable',
      });
      expect(published.filter((e) => e.kind === 'order' && e.type === 'canceled')).toHaveLength(1);
      expect(session.workingOrders().has('O1')).toBe(false);
      expect(session.counters).toMatchObject({ settledFromHistory: 1, unsettled: 1 });
    });
  });
});
