import * as z from 'zod';

/**
 * Trading accounts as risk managers administer them (issue #18): created through the admin
 * API with their first limits as a proposal, disabled and re-enabled, each change audited.
 * An account trades only once a second approver applied its limits (the risk API treats an
 * account without limits as unknown) and only while enabled.
 */

/** Kinds the `accounts` table allows. */
export const ACCOUNT_KINDS = ['company', 'director', 'strategy'] as const;
export const accountKindSchema = z.enum(ACCOUNT_KINDS);
export type AccountKind = z.infer<typeof accountKindSchema>;

export interface NewAccount {
  readonly accountId: string;
  readonly displayName: string;
  readonly kind: AccountKind;
  /** Account whose Kraken key secret it trades with. @default its own id */
  readonly krakenKeyAccount: string;
}

/** An account as the admin routes show it. */
export interface AccountSummary {
  readonly accountId: string;
  readonly displayName: string;
  readonly kind: AccountKind;
  readonly enabled: boolean;
  readonly krakenKeyAccount: string;
  /** Version of the limits in force; null until a second approver applied the first proposal. */
  readonly limitsVersion: number | null;
  readonly createdAt: string;
}

export type AccountAdminAction = 'create' | 'disable' | 'enable';

export interface AccountAdminEntry {
  readonly eventId: string;
  readonly accountId: string;
  readonly action: AccountAdminAction;
  readonly actor: string;
  readonly reason: string;
  readonly details: Record<string, unknown>;
  readonly at: string;
}

/** Whether the account can be decided on, and if not why: what an operator needs to see first. */
export type AccountReadiness = 'trading' | 'pending_limits' | 'disabled';

export function readinessOf(account: Pick<AccountSummary, 'enabled' | 'limitsVersion'>): AccountReadiness {
  if (!account.enabled) return 'disabled';
  return account.limitsVersion === null ? 'pending_limits' : 'trading';
}

/** An account with this id exists already: ids are never reused (audit and decisions name them). */
export class AccountAlreadyExistsError extends Error {
  override readonly name = 'AccountAlreadyExistsError';
  constructor(readonly accountId: string) {
    super(`account ${accountId} already exists`);
  }
}

/** The Kraken key account named at creation is not an account. */
export class UnknownKeyAccountError extends Error {
  override readonly name = 'UnknownKeyAccountError';
  constructor(readonly keyAccount: string) {
    super(`kraken_key_account ${keyAccount} is not an account`);
  }
}
