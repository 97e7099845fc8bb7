import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { KrakenKeyStore } from '../../shared/adapters/kraken-keys.js';
import { KrakenApiError, type KrakenRestClient } from '../../shared/adapters/kraken-rest.js';
import type { KillSwitchTriggeredEvent } from '../../shared/domain/controls/kill-switch.js';
import type { EventPublisher } from '../../shared/domain/controls/ports.js';
import { REDIS_KEYS } from '../../shared/names.js';

export interface ExecutorDeps {
  readonly pool: pg.Pool;
  readonly redis: Redis;
  readonly kraken: KrakenRestClient;
  readonly keys: KrakenKeyStore;
  readonly events: EventPublisher;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** Attempts per Kraken call (retryable errors only). @default 4 */
  readonly maxAttempts?: number;
  /** Arm Kraken's dead man's switch for this many seconds after cancelling (0 = off). @default 0 */
  readonly deadMansSwitchSeconds?: number;
}

export interface AccountResult {
  readonly accountId: string;
  readonly action: 'CancelAll' | 'CancelAllOrdersAfter';
  readonly outcome: 'ok' | 'failed' | 'skipped';
  readonly attempts: number;
  readonly detail: Record<string, unknown>;
}

export const FLATTEN_POSITIONS_REQUESTED = 'FLATTEN_POSITIONS_REQUESTED';

/**
 * Acts on KILL_SWITCH_TRIGGERED: for every affected account, CancelAll on Kraken (signed
 * with that account's key from Secrets Manager), retried with backoff on retryable errors,
 * optionally arming the dead man's switch; each result recorded once per event (a
 * redelivered event skips accounts already done). Flattening is an instruction event for
 * the desk's OMS: the gate never trades.
 */
export async function executeKill(event: KillSwitchTriggeredEvent, deps: ExecutorDeps): Promise<AccountResult[]> {
  const accounts = await affectedAccounts(event, deps);
  const results: AccountResult[] = [];
  for (const accountId of accounts) {
    const recordAs = (result: Omit<AccountResult, 'accountId'>) => record(event, deps, { accountId, ...result });
    if (event.scope === 'symbol') {
      // CancelAll would also cancel the account's orders in other symbols; the OMS cancels per symbol.
      results.push(
        await recordAs({ action: 'CancelAll', outcome: 'skipped', attempts: 0, detail: { why: 'symbol scope' } }),
      );
      continue;
    }
    if (await alreadyDone(event.event_id, accountId, deps.pool)) continue;
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
    const seconds = deps.deadMansSwitchSeconds ?? 0;
    if (seconds > 0) {
      const arm = await withRetries(() => deps.kraken.cancelAllOrdersAfter(credentials, seconds), deps);
      results.push(await recordAs(outcomeOf('CancelAllOrdersAfter', arm, (v) => ({ trigger_time: v.triggerTime }))));
    }
  }
  const positions: Record<string, Record<string, string>> = {};
  for (const accountId of accounts) positions[accountId] = await deps.redis.hgetall(REDIS_KEYS.positions(accountId));
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

async function affectedAccounts(event: KillSwitchTriggeredEvent, deps: ExecutorDeps): Promise<string[]> {
  if (event.scope === 'account') return [event.target];
  const { rows } = await deps.pool.query<{ account_id: string }>(
    'SELECT account_id FROM accounts WHERE enabled ORDER BY account_id',
  );
  const all = rows.map((r) => r.account_id);
  if (event.scope === 'global') return all;
  const holders: string[] = [];
  for (const accountId of all) {
    const qty = await deps.redis.hget(REDIS_KEYS.positions(accountId), event.target);
    if (qty && !/^-?0*(\.0*)?$/.test(qty)) holders.push(accountId);
  }
  return holders;
}

async function alreadyDone(eventId: string, accountId: string, pool: pg.Pool): Promise<boolean> {
  const { rows } = await pool.query(
    `SELECT 1 FROM kill_switch_actions WHERE event_id = $1 AND account_id = $2 AND action = 'CancelAll' AND outcome = 'ok'`,
    [eventId, accountId],
  );
  return rows.length > 0;
}

async function record(
  event: KillSwitchTriggeredEvent,
  deps: ExecutorDeps,
  result: AccountResult,
): Promise<AccountResult> {
  await deps.pool.query(
    `INSERT INTO kill_switch_actions (event_id, account_id, action, outcome, attempts, detail)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (event_id, account_id, action) DO UPDATE
       SET outcome = EXCLUDED.outcome, attempts = kill_switch_actions.attempts + EXCLUDED.attempts,
           detail = EXCLUDED.detail, completed_at = now()`,
    [event.event_id, result.accountId, result.action, result.outcome, result.attempts, JSON.stringify(result.detail)],
  );
  return result;
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

/** Capped exponential backoff with full jitter, retrying only what Kraken says is transient. */
async function withRetries<T>(call: () => Promise<T>, deps: ExecutorDeps): Promise<Attempt<T>> {
  const max = deps.maxAttempts ?? 4;
  let lastError = 'unknown';
  for (let attempt = 1; attempt <= max; attempt++) {
    try {
      return { ok: true, value: await call(), attempts: attempt };
    } catch (error) {
      lastError = error instanceof KrakenApiError ? error.errors.join(', ') : 'unexpected error';
      const retryable = error instanceof KrakenApiError && error.retryable;
      if (!retryable || attempt === max) return { ok: false, error: lastError, attempts: attempt };
      await deps.sleep(Math.random() * Math.min(2_000, 100 * 2 ** attempt));
    }
  }
  return { ok: false, error: lastError, attempts: max };
}
