import { describe, expect, it } from 'vitest';
import type { KillScope, KillSwitchTriggeredEvent } from '../../shared/domain/controls/kill-switch.js';
import type { KrakenCredentials } from '../../shared/domain/controls/ports.js';
import { ExchangeCallError } from '../../shared/domain/errors.js';
import { type ExecuteKillDeps, executeKill, FLATTEN_POSITIONS_REQUESTED } from './execute-kill.js';
import type {
  AccountDirectory,
  AccountResult,
  KillActionLog,
  KrakenCanceller,
  KrakenKeyReader,
  PositionMirror,
} from './ports.js';

/** In-memory fakes of the executor's ports, with what a test needs to look at afterwards. */
class MemoryActionLog implements KillActionLog {
  readonly rows = new Map<string, AccountResult>();

  async cancelled(eventId: string, accountId: string): Promise<boolean> {
    return this.rows.get(`${eventId}|${accountId}|CancelAll`)?.outcome === 'ok';
  }

  async record(eventId: string, result: AccountResult): Promise<void> {
    const key = `${eventId}|${result.accountId}|${result.action}`;
    const before = this.rows.get(key);
    // Like the table's upsert: a retried action adds its attempts to the earlier ones.
    this.rows.set(key, { ...result, attempts: (before?.attempts ?? 0) + result.attempts });
  }
}

class ScriptedKraken implements KrakenCanceller {
  readonly calls: { method: string; apiKey: string; timeout?: number }[] = [];
  /** Errors the next calls throw, in order; then calls succeed. */
  readonly failures: ExchangeCallError[] = [];

  async cancelAll(credentials: KrakenCredentials): Promise<{ count: number }> {
    this.calls.push({ method: 'CancelAll', apiKey: credentials.apiKey });
    const failure = this.failures.shift();
    if (failure) throw failure;
    return { count: 3 };
  }

  async cancelAllOrdersAfter(credentials: KrakenCredentials, timeoutSeconds: number) {
    this.calls.push({ method: 'CancelAllOrdersAfter', apiKey: credentials.apiKey, timeout: timeoutSeconds });
    const failure = this.failures.shift();
    if (failure) throw failure;
    return { currentTime: '2025-01-01T00:00:00Z', triggerTime: '2025-01-01T00:01:00Z' };
  }
}

interface Fixture {
  readonly deps: ExecuteKillDeps;
  readonly kraken: ScriptedKraken;
  readonly actions: MemoryActionLog;
  readonly published: { event: Record<string, unknown>; detailType: string }[];
  readonly sleeps: number[];
}

function fixture(
  options: {
    enabled?: string[];
    positions?: Record<string, Record<string, string>>;
    keyless?: string[];
    unreadableKeys?: string[];
    overrides?: Partial<ExecuteKillDeps>;
  } = {},
): Fixture {
  const enabled = options.enabled ?? ['company', 'director-a', 'director-b'];
  const accounts: AccountDirectory = { enabledAccountIds: async () => [...enabled] };
  const positions: PositionMirror = { positionsOf: async (id) => ({ ...(options.positions?.[id] ?? {}) }) };
  const keys: KrakenKeyReader = {
    async read(accountId) {
      if (options.unreadableKeys?.includes(accountId)) throw new Error('secrets manager down');
      if (options.keyless?.includes(accountId)) return null;
      return { apiKey: `key-${accountId}`, apiSecret: 'c2VjcmV0' };
    },
  };
  const kraken = new ScriptedKraken();
  const actions = new MemoryActionLog();
  const published: Fixture['published'] = [];
  const sleeps: number[] = [];
  const deps: ExecuteKillDeps = {
    accounts,
    positions,
    actions,
    kraken,
    keys,
    events: {
      async publish(event, detailType) {
        published.push({ event: event as Record<string, unknown>, detailType });
      },
    },
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    ...options.overrides,
  };
  return { deps, kraken, actions, published, sleeps };
}

function trigger(scope: KillScope, target: string, eventId = 'evt-1'): KillSwitchTriggeredEvent {
  return {
    type: 'KILL_SWITCH_TRIGGERED',
    event_id: eventId,
    scope,
    target,
    reason: 'manual',
    actor: 'alice',
    engaged_at: '2025-01-01T00:00:00.000Z',
    actions: ['CANCEL_OPEN_ORDERS', 'FLATTEN_POSITIONS'],
  };
}

const transient = () => new ExchangeCallError(['EService:Unavailable'], true);

describe('Function: executeKill', () => {
  it('global scope: cancels every enabled account, records each, and asks the OMS to flatten', async () => {
    // Prepare
    const { deps, kraken, actions, published } = fixture({
      enabled: ['company', 'director-a'],
      positions: { company: { 'BTC/USD': '1.5' } },
    });

    // Act
    const results = await executeKill(trigger('global', '*'), deps);

    // Assess
    expect(results).toEqual([
      { accountId: 'company', action: 'CancelAll', outcome: 'ok', attempts: 1, detail: { cancelled: 3 } },
      { accountId: 'director-a', action: 'CancelAll', outcome: 'ok', attempts: 1, detail: { cancelled: 3 } },
    ]);
    expect(kraken.calls.map((c) => c.apiKey)).toEqual(['key-company', 'key-director-a']);
    expect([...actions.rows.keys()]).toEqual(['evt-1|company|CancelAll', 'evt-1|director-a|CancelAll']);
    expect(published).toEqual([
      {
        detailType: FLATTEN_POSITIONS_REQUESTED,
        event: {
          type: FLATTEN_POSITIONS_REQUESTED,
          event_id: 'evt-1',
          scope: 'global',
          target: '*',
          positions: { company: { 'BTC/USD': '1.5' }, 'director-a': {} },
        },
      },
    ]);
  });

  it('acts only on the accounts the directory lists as enabled (a disabled account is never cancelled)', async () => {
    // Prepare
    const { deps, kraken } = fixture({ enabled: ['director-b'] });

    // Act
    await executeKill(trigger('global', '*'), deps);

    // Assess
    expect(kraken.calls.map((c) => c.apiKey)).toEqual(['key-director-b']);
  });

  it('account scope: cancels that account alone, whatever the directory says', async () => {
    // Prepare
    const { deps, kraken, published } = fixture({ enabled: [] });

    // Act
    const results = await executeKill(trigger('account', 'director-a'), deps);

    // Assess
    expect(results.map((r) => [r.accountId, r.action, r.outcome])).toEqual([['director-a', 'CancelAll', 'ok']]);
    expect(kraken.calls).toEqual([{ method: 'CancelAll', apiKey: 'key-director-a' }]);
    expect(published[0]?.event).toMatchObject({ scope: 'account', positions: { 'director-a': {} } });
  });

  it('symbol scope: records a skip for each holder of the symbol, never calls CancelAll, and flattens the holders', async () => {
    // Prepare
    const { deps, kraken, published } = fixture({
      positions: {
        company: { 'BTC/USD': '-0.25', 'ETH/USD': '3' },
        'director-a': { 'BTC/USD': '0.000' },
        'director-b': { 'ETH/USD': '1' },
      },
    });

    // Act
    const results = await executeKill(trigger('symbol', 'BTC/USD'), deps);

    // Assess
    expect(results).toEqual([
      { accountId: 'company', action: 'CancelAll', outcome: 'skipped', attempts: 0, detail: { why: 'symbol scope' } },
    ]);
    expect(kraken.calls).toEqual([]);
    expect(published[0]?.event).toMatchObject({
      scope: 'symbol',
      target: 'BTC/USD',
      positions: { company: { 'BTC/USD': '-0.25', 'ETH/USD': '3' } },
    });
    expect(Object.keys(published[0]?.event.positions as object)).toEqual(['company']);
  });

  it('retries a transient Kraken failure with capped, jittered backoff, then succeeds', async () => {
    // Prepare
    const { deps, kraken, sleeps } = fixture();
    kraken.failures.push(transient(), transient());

    // Act
    const results = await executeKill(trigger('account', 'company'), deps);

    // Assess
    expect(results).toEqual([
      { accountId: 'company', action: 'CancelAll', outcome: 'ok', attempts: 3, detail: { cancelled: 3 } },
    ]);
    // Full jitter: random() (0.5 here) times 100 * 2^attempt.
    expect(sleeps).toEqual([100, 200]);
  });

  it('records a failure after the last attempt, with Kraken’s error, and does not retry a permanent one', async () => {
    // Prepare
    const exhausted = fixture({ overrides: { maxAttempts: 3 } });
    exhausted.kraken.failures.push(transient(), transient(), transient());
    const refused = fixture();
    refused.kraken.failures.push(new ExchangeCallError(['EAPI:Invalid key'], false));

    // Act
    const afterRetries = await executeKill(trigger('account', 'company'), exhausted.deps);
    const permanent = await executeKill(trigger('account', 'company'), refused.deps);

    // Assess
    expect(afterRetries).toEqual([
      {
        accountId: 'company',
        action: 'CancelAll',
        outcome: 'failed',
        attempts: 3,
        detail: { error: 'EService:Unavailable' },
      },
    ]);
    expect(exhausted.actions.rows.get('evt-1|company|CancelAll')?.outcome).toBe('failed');
    expect(permanent).toEqual([
      {
        accountId: 'company',
        action: 'CancelAll',
        outcome: 'failed',
        attempts: 1,
        detail: { error: 'EAPI:Invalid key' },
      },
    ]);
    expect(refused.sleeps).toEqual([]);
  });

  it('a redelivered event does not cancel an account twice, but retries one that failed', async () => {
    // Prepare
    const { deps, kraken, actions } = fixture({ enabled: ['company', 'director-a'], overrides: { maxAttempts: 1 } });
    kraken.failures.push(transient()); // company fails on the first delivery
    await executeKill(trigger('global', '*'), deps);
    const callsBefore = kraken.calls.length;

    // Act
    const redelivered = await executeKill(trigger('global', '*'), deps);

    // Assess
    expect(kraken.calls.slice(callsBefore)).toEqual([{ method: 'CancelAll', apiKey: 'key-company' }]);
    expect(redelivered.map((r) => [r.accountId, r.outcome])).toEqual([['company', 'ok']]);
    expect(actions.rows.get('evt-1|company|CancelAll')).toMatchObject({ outcome: 'ok', attempts: 2 });
  });

  it('records a failure without calling Kraken when an account has no key, or its key cannot be read', async () => {
    // Prepare
    const { deps, kraken } = fixture({ keyless: ['director-a'], unreadableKeys: ['director-b'] });

    // Act
    const results = await executeKill(trigger('global', '*'), deps);

    // Assess
    const noKey = { action: 'CancelAll', outcome: 'failed', attempts: 0, detail: { error: 'no Kraken key stored' } };
    expect(results).toEqual([
      { accountId: 'company', action: 'CancelAll', outcome: 'ok', attempts: 1, detail: { cancelled: 3 } },
      { accountId: 'director-a', ...noKey },
      { accountId: 'director-b', ...noKey },
    ]);
    expect(kraken.calls.map((c) => c.apiKey)).toEqual(['key-company']);
  });

  it('arms the dead man’s switch after cancelling when configured', async () => {
    // Prepare
    const { deps, kraken } = fixture({ overrides: { deadMansSwitchSeconds: 60 } });

    // Act
    const results = await executeKill(trigger('account', 'company'), deps);

    // Assess
    expect(results.map((r) => [r.action, r.outcome, r.detail])).toEqual([
      ['CancelAll', 'ok', { cancelled: 3 }],
      ['CancelAllOrdersAfter', 'ok', { trigger_time: '2025-01-01T00:01:00Z' }],
    ]);
    expect(kraken.calls[1]).toEqual({ method: 'CancelAllOrdersAfter', apiKey: 'key-company', timeout: 60 });
  });
});
