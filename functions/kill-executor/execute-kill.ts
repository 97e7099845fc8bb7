import type { KillSwitchTriggeredEvent } from '../../shared/domain/controls/kill-switch.js';
import { ExchangeCallError } from '../../shared/domain/errors.js';
import type {
  AccountDirectory,
  AccountResult,
  EventPublisher,
  KillActionLog,
  KrakenCanceller,
  KrakenKeyReader,
  PositionMirror,
} from './ports.js';

export type { AccountResult } from './ports.js';

export interface ExecuteKillDeps {
  readonly accounts: AccountDirectory;
  readonly positions: PositionMirror;
  readonly actions: KillActionLog;
  readonly kraken: KrakenCanceller;
  readonly keys: KrakenKeyReader;
  readonly events: EventPublisher;
  readonly sleep: (ms: number) => Promise<void>;
  /** Source of the backoff jitter, in [0, 1). @default Math.random */
  readonly random?: () => number;
  /** Attempts per Kraken call (retryable errors only). @default KILL_EXECUTOR_DEFAULTS.maxAttempts */
  readonly maxAttempts?: number;
  /**
   * Arm Kraken's dead man's switch for this many seconds after cancelling (0 = off).
   * @default KILL_EXECUTOR_DEFAULTS.deadMansSwitchSeconds
   */
  readonly deadMansSwitchSeconds?: number;
}

export const FLATTEN_POSITIONS_REQUESTED = 'FLATTEN_POSITIONS_REQUESTED';

/** Defaults of the executor's settings, here once: config.ts defaults its variables to them. */
export const KILL_EXECUTOR_DEFAULTS = {
  /** Attempts per Kraken call: three backoffs of at most 0.2, 0.4 and 0.8 s between them. */
  maxAttempts: 4,
  /** The dead man's switch is armed only when a stage asks for it. */
  deadMansSwitchSeconds: 0,
} as const;

/**
 * Acts on KILL_SWITCH_TRIGGERED: for every affected account, CancelAll on Kraken (signed
 * with that account's key), retried with backoff on retryable errors, optionally arming the
 * dead man's switch; each result recorded once per event (a redelivered event skips
 * accounts already done). Flattening is an instruction event for the desk's OMS: the gate
 * never trades.
 */
export async function executeKill(event: KillSwitchTriggeredEvent, deps: ExecuteKillDeps): Promise<AccountResult[]> {
  const accounts = await affectedAccounts(event, deps);
  const results: AccountResult[] = [];
  for (const accountId of accounts) {
    const recordAs = async (result: Omit<AccountResult, 'accountId'>): Promise<AccountResult> => {
      const recorded = { accountId, ...result };
      await deps.actions.record(event.event_id, recorded);
      return recorded;
    };
    if (event.scope === 'symbol') {
      // CancelAll would also cancel the account's orders in other symbols; the OMS cancels per symbol.
      results.push(
        await recordAs({ action: 'CancelAll', outcome: 'skipped', attempts: 0, detail: { why: 'symbol scope' } }),
      );
      continue;
    }
    if (await deps.actions.cancelled(event.event_id, accountId)) continue;
    const credentials = await deps.keys.read(accountId).catch(() => null);
    if (!credentials) {
      results.push(
        await recordAs({
          action: 'CancelAll',
          outcome: 'failed',
          attempts: 0,
          detail: { error: 'no Kraken key stored' },
        }),
      );
      continue;
    }
    const cancel = await withRetries(() => deps.kraken.cancelAll(credentials), deps);
    results.push(await recordAs(outcomeOf('CancelAll', cancel, (v) => ({ cancelled: v.count }))));
    const seconds = deps.deadMansSwitchSeconds ?? KILL_EXECUTOR_DEFAULTS.deadMansSwitchSeconds;
    if (seconds > 0) {
      const arm = await withRetries(() => deps.kraken.cancelAllOrdersAfter(credentials, seconds), deps);
      results.push(await recordAs(outcomeOf('CancelAllOrdersAfter', arm, (v) => ({ trigger_time: v.triggerTime }))));
    }
  }
  const positions: Record<string, Record<string, string>> = {};
  for (const accountId of accounts) positions[accountId] = await deps.positions.positionsOf(accountId);
  await deps.events.publish(
    {
      type: FLATTEN_POSITIONS_REQUESTED,
      event_id: event.event_id,
      scope: event.scope,
      target: event.target,
      positions,
    },
    FLATTEN_POSITIONS_REQUESTED,
  );
  return results;
}

/** Account scope: the account itself. Global: every enabled account. Symbol: enabled accounts holding it. */
async function affectedAccounts(event: KillSwitchTriggeredEvent, deps: ExecuteKillDeps): Promise<string[]> {
  if (event.scope === 'account') return [event.target];
  const all = await deps.accounts.enabledAccountIds();
  if (event.scope === 'global') return all;
  const holders: string[] = [];
  for (const accountId of all) {
    const qty = (await deps.positions.positionsOf(accountId))[event.target];
    if (qty && !/^-?0*(\.0*)?$/.test(qty)) holders.push(accountId);
  }
  return holders;
}

/** What to record for a Kraken call that was retried: ok with its detail, or failed with the error. */
function outcomeOf<T>(
  action: AccountResult['action'],
  attempt: Attempt<T>,
  detailOf: (value: T) => Record<string, unknown>,
): Omit<AccountResult, 'accountId'> {
  return attempt.ok
    ? { action, outcome: 'ok', attempts: attempt.attempts, detail: detailOf(attempt.value) }
    : { action, outcome: 'failed', attempts: attempt.attempts, detail: { error: attempt.error } };
}

type Attempt<T> = { ok: true; value: T; attempts: number } | { ok: false; error: string; attempts: number };

/** Capped exponential backoff with full jitter, retrying only what the exchange says is transient. */
async function withRetries<T>(call: () => Promise<T>, deps: ExecuteKillDeps): Promise<Attempt<T>> {
  const max = deps.maxAttempts ?? KILL_EXECUTOR_DEFAULTS.maxAttempts;
  const random = deps.random ?? Math.random;
  let lastError = 'unknown';
  for (let attempt = 1; attempt <= max; attempt++) {
    try {
      return { ok: true, value: await call(), attempts: attempt };
    } catch (error) {
      lastError = error instanceof ExchangeCallError ? error.errors.join(', ') : 'unexpected error';
      const retryable = error instanceof ExchangeCallError && error.retryable;
      if (!retryable || attempt === max) return { ok: false, error: lastError, attempts: attempt };
      await deps.sleep(random() * Math.min(2_000, 100 * 2 ** attempt));
    }
  }
  return { ok: false, error: lastError, attempts: max };
}
