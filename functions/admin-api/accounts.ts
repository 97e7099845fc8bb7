import {
  type AccountAdminEntry,
  type AccountKind,
  type AccountReadiness,
  type AccountSummary,
  readinessOf,
} from '../../shared/domain/accounts/account.js';
import { NotFoundError } from '../../shared/domain/errors.js';
import type { AccountLimitsInput } from '../../shared/domain/risk/limits.js';
import type {
  AccountAdministration,
  KeySecretInspector,
  KeySecretStatus,
  LimitsAdministration,
  LimitsVersion,
  PendingProposal,
} from './ports.js';

export interface AccountAdminDeps {
  readonly accounts: AccountAdministration;
  readonly limits: Pick<LimitsAdministration, 'current'>;
  readonly keys: KeySecretInspector;
  readonly newId: () => string;
}

export interface AccountView extends AccountSummary {
  readonly readiness: AccountReadiness;
}

export interface CreatedAccount {
  readonly account: AccountView;
  /** The first limits, proposed: the account trades once a second approver applies it. */
  readonly proposalId: string;
  /** Where its Kraken key is (or will be) stored. */
  readonly krakenKeySecret: string;
}

export interface AccountDetails {
  readonly account: AccountView;
  readonly limits: LimitsVersion | null;
  readonly pendingProposals: PendingProposal[];
  readonly krakenKey: { readonly secretName: string; readonly status: KeySecretStatus };
  readonly history: AccountAdminEntry[];
}

const view = (account: AccountSummary): AccountView => ({ ...account, readiness: readinessOf(account) });

/**
 * Creates an account with its first limits as a proposal: the same path as every later
 * change, so one risk manager alone cannot open an account for trading. Until the proposal
 * is applied the risk API answers UNKNOWN_ACCOUNT for it (an account without limits is never
 * unlimited).
 */
export async function createAccount(
  request: {
    accountId: string;
    displayName: string;
    kind: AccountKind;
    krakenKeyAccount?: string | undefined;
    limits: AccountLimitsInput;
    reason: string;
    actor: string;
  },
  deps: AccountAdminDeps,
): Promise<CreatedAccount> {
  const krakenKeyAccount = request.krakenKeyAccount ?? request.accountId;
  const proposalId = await deps.accounts.create(
    { accountId: request.accountId, displayName: request.displayName, kind: request.kind, krakenKeyAccount },
    { limits: request.limits, reason: request.reason },
    { eventId: deps.newId(), actor: request.actor },
  );
  const account = await deps.accounts.get(request.accountId);
  if (!account) throw new Error(`account ${request.accountId} was not found after it was created`);
  return { account: view(account), proposalId, krakenKeySecret: deps.keys.secretName(krakenKeyAccount) };
}

export async function listAccounts(deps: Pick<AccountAdminDeps, 'accounts'>): Promise<AccountView[]> {
  return (await deps.accounts.list()).map(view);
}

/** One account with what an operator checks before trading: limits, pending proposals, key, audit. */
export async function showAccount(accountId: string, deps: AccountAdminDeps): Promise<AccountDetails> {
  const account = await deps.accounts.get(accountId);
  if (!account) throw new NotFoundError(`unknown account ${accountId}`);
  const [limits, pendingProposals, history, status] = await Promise.all([
    deps.limits.current(accountId),
    deps.accounts.pendingProposals(accountId),
    deps.accounts.history(accountId, 50),
    // The key's state is advice for the operator; Secrets Manager being slow must not hide the account.
    deps.keys.status(account.krakenKeyAccount).catch((): KeySecretStatus => 'unknown'),
  ]);
  return {
    account: view(account),
    limits,
    pendingProposals,
    krakenKey: { secretName: deps.keys.secretName(account.krakenKeyAccount), status },
    history,
  };
}

/**
 * Disables or re-enables an account, audited with its actor. A disabled account is
 * rejected by the risk API (ACCOUNT_DISABLED, within its limits cache TTL) and skipped by
 * the kill executor's global scope. Setting the state it already has changes nothing.
 */
export async function setAccountEnabled(
  request: { accountId: string; enabled: boolean; actor: string; reason: string },
  deps: AccountAdminDeps,
): Promise<{ account: AccountView; changed: boolean }> {
  const changed = await deps.accounts.setEnabled(request.accountId, request.enabled, {
    eventId: deps.newId(),
    actor: request.actor,
    reason: request.reason,
  });
  const account = await deps.accounts.get(request.accountId);
  if (!account) throw new NotFoundError(`unknown account ${request.accountId}`);
  return { account: view(account), changed };
}
