import type { AccountAdminEntry, AccountSummary, NewAccount } from '../../shared/domain/accounts/account.js';
import type { BreakerCause } from '../../shared/domain/breakers/hysteresis.js';
import type { Approval, KillScope, KillSwitchState } from '../../shared/domain/controls/kill-switch.js';
import type { AccountLimitsInput } from '../../shared/domain/risk/limits.js';

/** Ports of the admin use cases; adapters in ./adapters. */
export type { KillSwitchState } from '../../shared/domain/controls/kill-switch.js';

/** The hot kill-switch state the risk API reads on every decision (Redis). */
export interface KillSwitchStore {
  engage(state: KillSwitchState): Promise<void>;
  get(scope: KillScope, target: string): Promise<KillSwitchState | null>;
  list(): Promise<KillSwitchState[]>;
  approvals(scope: KillScope, target: string): Promise<Approval[]>;
  addApproval(scope: KillScope, target: string, approval: Approval, windowMs: number): Promise<void>;
  /** Removes the state and its approvals: orders flow again on the next decision. */
  release(scope: KillScope, target: string): Promise<void>;
}

export interface ControlLogEntry {
  readonly eventId: string;
  readonly scope: KillScope;
  readonly target: string;
  readonly action: 'engage' | 'release_approval' | 'release';
  readonly reason: string;
  readonly actor: string;
  readonly details?: Record<string, unknown>;
}

/** The durable, append-only kill switch log (Postgres). */
export interface ControlLog {
  append(entry: ControlLogEntry): Promise<void>;
  history(limit: number): Promise<(ControlLogEntry & { at: string })[]>;
}

/** The version of an account's limits in force, as stored. */
export interface LimitsVersion {
  readonly version: number;
  readonly limits: unknown;
  readonly created_by: string;
  readonly created_at: string;
}

/**
 * Limits administration (Postgres): versions are never edited; a change is proposed, then
 * applied as the next version. Unknown accounts and proposals are `NotFoundError`s, a
 * proposal applied twice a `ProposalAlreadyAppliedError`.
 */
export interface LimitsAdministration {
  current(accountId: string): Promise<LimitsVersion | null>;
  /** Stores a proposal (limits already validated by the caller, kept as sent); returns its id. */
  propose(accountId: string, limits: AccountLimitsInput, actor: string, reason: string): Promise<string>;
  /**
   * Applies a pending proposal as the next version; returns the version. Its proposer
   * cannot apply it (`SecondApproverRequiredError`).
   */
  apply(accountId: string, proposalId: string, actor: string): Promise<number>;
}

/** The audit of Kraken key rotations: who, when, which secret, a fingerprint; never the key. */
export interface KeyRotationLog {
  record(accountId: string, actor: string, secretName: string, apiKey: string): Promise<void>;
}

/** The live symbol breakers (Redis) as an operator's reset sees them. */
export interface BreakerPanel {
  /** Causes of the symbol's breaker tripped now. */
  tripped(symbol: string): Promise<BreakerCause[]>;
  /** Clears every cause at once; returns the causes that were tripped. */
  reset(symbol: string, reason: string, atMs: number): Promise<BreakerCause[]>;
}

/** The breaker audit (`breaker_events`) as an operator's reset writes it. */
export interface BreakerResetAudit {
  recordManualReset(
    symbol: string,
    causes: readonly BreakerCause[],
    reason: string,
    resetId: string,
    atMs: number,
  ): Promise<void>;
}

export type { EventPublisher, Notifier } from '../../shared/domain/controls/ports.js';

/**
 * Account administration (Postgres `accounts`, `account_admin_log`, `limits_proposals`).
 * Every change is written with its audit row in one transaction: no change off the record.
 */
export interface AccountAdministration {
  /**
   * Creates the account (enabled, no limits in force) and proposes its first limits;
   * returns the proposal id. `AccountAlreadyExistsError`, `UnknownKeyAccountError`.
   */
  create(
    account: NewAccount,
    firstLimits: { limits: AccountLimitsInput; reason: string },
    audit: { eventId: string; actor: string },
  ): Promise<string>;
  list(): Promise<AccountSummary[]>;
  get(accountId: string): Promise<AccountSummary | null>;
  /** Proposals of the account not applied yet, oldest first. */
  pendingProposals(accountId: string): Promise<PendingProposal[]>;
  history(accountId: string, limit: number): Promise<AccountAdminEntry[]>;
  /**
   * Sets `enabled`, audited; false when it already had that value (nothing written).
   * `NotFoundError` for an unknown account.
   */
  setEnabled(
    accountId: string,
    enabled: boolean,
    audit: { eventId: string; actor: string; reason: string },
  ): Promise<boolean>;
}

/** What an account's Kraken key secret holds, never the key; `unknown` when it cannot be read now. */
export type KeySecretStatus = 'key' | 'placeholder' | 'malformed' | 'missing' | 'unknown';

export interface KeySecretInspector {
  secretName(accountId: string): string;
  status(accountId: string): Promise<Exclude<KeySecretStatus, 'unknown'>>;
}

/** A limits proposal not applied yet, with its figures: what the second approver reads. */
export interface PendingProposal {
  readonly proposalId: string;
  readonly limits: unknown;
  readonly proposedBy: string;
  readonly reason: string;
  readonly proposedAt: string;
}
