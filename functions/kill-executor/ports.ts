import type { KrakenAccountApi, KrakenKeyVault } from '../../shared/domain/controls/ports.js';

export type { EventPublisher } from '../../shared/domain/controls/ports.js';

/** What the executor did for one account, as recorded in the action log. */
export interface AccountResult {
  readonly accountId: string;
  readonly action: 'CancelAll' | 'CancelAllOrdersAfter';
  readonly outcome: 'ok' | 'failed' | 'skipped';
  readonly attempts: number;
  readonly detail: Record<string, unknown>;
}

/** The trading accounts the desk runs (Postgres `accounts`). */
export interface AccountDirectory {
  /** Ids of the enabled accounts, in a stable order (disabled accounts are never acted on). */
  enabledAccountIds(): Promise<string[]>;
}

/** The hot position mirror (Redis): symbol -> signed quantity as a decimal string. */
export interface PositionMirror {
  positionsOf(accountId: string): Promise<Record<string, string>>;
}

/**
 * One row per kill event, account and action (Postgres `kill_switch_actions`). It is what
 * makes CancelAll idempotent when EventBridge redelivers the event.
 */
export interface KillActionLog {
  /** Whether CancelAll already succeeded for this event and account. */
  cancelled(eventId: string, accountId: string): Promise<boolean>;
  /** Records a result; a retried action adds its attempts to the earlier ones. */
  record(eventId: string, result: AccountResult): Promise<void>;
}

/** The Kraken calls the executor makes. */
export type KrakenCanceller = Pick<KrakenAccountApi, 'cancelAll' | 'cancelAllOrdersAfter'>;

/** Where the executor reads each account's Kraken key. */
export type KrakenKeyReader = Pick<KrakenKeyVault, 'read'>;
