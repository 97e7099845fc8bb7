import {
  type AccountAdminEntry,
  AccountAlreadyExistsError,
  type AccountSummary,
  type NewAccount,
  UnknownKeyAccountError,
} from '../../../shared/domain/accounts/account.js';
import { ProposalAlreadyAppliedError, SecondApproverRequiredError } from '../../../shared/domain/controls/errors.js';
import type { Approval, KillScope } from '../../../shared/domain/controls/kill-switch.js';
import { NotFoundError } from '../../../shared/domain/errors.js';
import type { AccountLimitsInput } from '../../../shared/domain/risk/limits.js';
import type {
  AccountAdministration,
  ControlLog,
  ControlLogEntry,
  KeySecretInspector,
  KillSwitchState,
  KillSwitchStore,
  LimitsAdministration,
  LimitsVersion,
} from '../ports.js';

/** In-memory fakes of the admin ports, for unit tests of the use cases and the router. */
export class MemoryKillSwitchStore implements KillSwitchStore {
  readonly states = new Map<string, KillSwitchState>();
  readonly approvalsOf = new Map<string, Approval[]>();
  failEngage = false;

  async engage(state: KillSwitchState): Promise<void> {
    if (this.failEngage) throw new Error('redis down');
    this.states.set(`${state.scope}|${state.target}`, state);
    this.approvalsOf.delete(`${state.scope}|${state.target}`);
  }

  async get(scope: KillScope, target: string): Promise<KillSwitchState | null> {
    return this.states.get(`${scope}|${target}`) ?? null;
  }

  async list(): Promise<KillSwitchState[]> {
    return [...this.states.values()];
  }

  async approvals(scope: KillScope, target: string): Promise<Approval[]> {
    return [...(this.approvalsOf.get(`${scope}|${target}`) ?? [])];
  }

  async addApproval(scope: KillScope, target: string, approval: Approval): Promise<void> {
    const key = `${scope}|${target}`;
    this.approvalsOf.set(key, [...(this.approvalsOf.get(key) ?? []), approval]);
  }

  async release(scope: KillScope, target: string): Promise<void> {
    this.states.delete(`${scope}|${target}`);
    this.approvalsOf.delete(`${scope}|${target}`);
  }
}

export class MemoryControlLog implements ControlLog {
  readonly entries: (ControlLogEntry & { at: string })[] = [];

  async append(entry: ControlLogEntry): Promise<void> {
    this.entries.push({ ...entry, at: new Date(0).toISOString() });
  }

  async history(limit: number): Promise<(ControlLogEntry & { at: string })[]> {
    return this.entries.slice(-limit).reverse();
  }
}

interface MemoryProposal {
  readonly proposalId: string;
  readonly accountId: string;
  readonly limits: AccountLimitsInput;
  readonly proposedBy: string;
  readonly reason: string;
  readonly proposedAt: string;
  applied: boolean;
}

/**
 * Accounts, their audit and their limits in memory: one object behind both the account and
 * the limits ports, so a proposal applied through one shows as the version in force in the
 * other, as the shared PostgreSQL tables do.
 */
export class MemoryAccountBook implements AccountAdministration, LimitsAdministration {
  readonly accounts = new Map<string, Omit<AccountSummary, 'limitsVersion'>>();
  readonly versions = new Map<string, LimitsVersion[]>();
  readonly proposals: MemoryProposal[] = [];
  readonly log: AccountAdminEntry[] = [];
  private ids = 0;

  constructor(private readonly at = '2025-01-01T00:00:00.000Z') {}

  async create(
    account: NewAccount,
    firstLimits: { limits: AccountLimitsInput; reason: string },
    audit: { eventId: string; actor: string },
  ): Promise<string> {
    if (this.accounts.has(account.accountId)) throw new AccountAlreadyExistsError(account.accountId);
    if (account.krakenKeyAccount !== account.accountId && !this.accounts.has(account.krakenKeyAccount)) {
      throw new UnknownKeyAccountError(account.krakenKeyAccount);
    }
    this.accounts.set(account.accountId, { ...account, enabled: true, createdAt: this.at });
    this.log.push({
      eventId: audit.eventId,
      accountId: account.accountId,
      action: 'create',
      actor: audit.actor,
      reason: firstLimits.reason,
      details: { proposal_id: audit.eventId },
      at: this.at,
    });
    this.proposals.push({
      proposalId: audit.eventId,
      accountId: account.accountId,
      limits: firstLimits.limits,
      proposedBy: audit.actor,
      reason: firstLimits.reason,
      proposedAt: this.at,
      applied: false,
    });
    return audit.eventId;
  }

  async list(): Promise<AccountSummary[]> {
    const ids = [...this.accounts.keys()].sort();
    return Promise.all(ids.map(async (id) => (await this.get(id)) as AccountSummary));
  }

  async get(accountId: string): Promise<AccountSummary | null> {
    const account = this.accounts.get(accountId);
    if (!account) return null;
    return { ...account, limitsVersion: (await this.current(accountId))?.version ?? null };
  }

  async pendingProposals(accountId: string) {
    return this.proposals
      .filter((p) => p.accountId === accountId && !p.applied)
      .map((p) => ({
        proposalId: p.proposalId,
        limits: p.limits,
        proposedBy: p.proposedBy,
        reason: p.reason,
        proposedAt: p.proposedAt,
      }));
  }

  async history(accountId: string, limit: number): Promise<AccountAdminEntry[]> {
    return this.log
      .filter((e) => e.accountId === accountId)
      .reverse()
      .slice(0, limit);
  }

  async setEnabled(
    accountId: string,
    enabled: boolean,
    audit: { eventId: string; actor: string; reason: string },
  ): Promise<boolean> {
    const account = this.accounts.get(accountId);
    if (!account) throw new NotFoundError(`unknown account ${accountId}`);
    if (account.enabled === enabled) return false;
    this.accounts.set(accountId, { ...account, enabled });
    this.log.push({ ...audit, accountId, action: enabled ? 'enable' : 'disable', details: {}, at: this.at });
    return true;
  }

  async current(accountId: string): Promise<LimitsVersion | null> {
    return this.versions.get(accountId)?.at(-1) ?? null;
  }

  async propose(accountId: string, limits: AccountLimitsInput, actor: string, reason: string): Promise<string> {
    if (!this.accounts.has(accountId)) throw new NotFoundError(`unknown account ${accountId}`);
    const proposalId = `00000000-0000-4000-8000-${String(++this.ids).padStart(12, '0')}`;
    this.proposals.push({
      proposalId,
      accountId,
      limits,
      proposedBy: actor,
      reason,
      proposedAt: this.at,
      applied: false,
    });
    return proposalId;
  }

  async apply(accountId: string, proposalId: string, actor: string): Promise<number> {
    const proposal = this.proposals.find((p) => p.proposalId === proposalId && p.accountId === accountId);
    if (!proposal) throw new NotFoundError(`no proposal ${proposalId} for ${accountId}`);
    if (proposal.applied) throw new ProposalAlreadyAppliedError(proposalId);
    if (proposal.proposedBy === actor) throw new SecondApproverRequiredError(actor, [actor]);
    proposal.applied = true;
    const versions = this.versions.get(accountId) ?? [];
    const version = versions.length + 1;
    versions.push({ version, limits: proposal.limits, created_by: actor, created_at: this.at });
    this.versions.set(accountId, versions);
    return version;
  }
}

/** Key secrets by account: what each holds, or a Secrets Manager that does not answer. */
export class MemoryKeySecrets implements KeySecretInspector {
  readonly statuses = new Map<string, 'key' | 'placeholder' | 'malformed'>();
  unavailable = false;

  secretName(accountId: string): string {
    return `risk-gate/test/kraken/${accountId}`;
  }

  async status(accountId: string) {
    if (this.unavailable) throw new Error('secrets manager down');
    return this.statuses.get(accountId) ?? 'missing';
  }
}
