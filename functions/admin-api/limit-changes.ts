import type { BreakerConfigInput } from '../../shared/domain/breakers/config.js';
import { ProposalAlreadyAppliedError, SecondApproverRequiredError } from '../../shared/domain/controls/errors.js';
import { NotFoundError } from '../../shared/domain/errors.js';
import {
  ProposalExpiredError,
  ProposalSupersededError,
  WhatIfRequiredError,
  WhatIfTooManyDecisionsError,
} from '../../shared/domain/limits/errors.js';
import {
  type ChangeKind,
  checkApplicable,
  expiresAtMs,
  type ProposalForApply,
  type ProposalStatus,
  proposalStatus,
} from '../../shared/domain/limits/proposals.js';
import {
  checkWhatIfRange,
  type RecordedDecision,
  replayUnderLimits,
  type WhatIfReport,
} from '../../shared/domain/limits/what-if.js';
import { type AccountLimits, type AccountLimitsInput, parseLimits } from '../../shared/domain/risk/limits.js';

/**
 * Two-approver changes of an account's limits and of a symbol's breaker thresholds, and the
 * limits what-if (issue #17). A limits proposal gets its what-if attached when it is made
 * (the account's recorded decisions over the last WHAT_IF_DEFAULT_LOOKBACK_MS, the newest
 * WHAT_IF_MAX_DECISIONS of them) and may get another over a range the risk manager picks;
 * a second, different risk manager applies it within CHANGE_PROPOSAL_TTL_MS, while the
 * version it was made on is still in force. Every step, refusals included, is logged.
 */

/** Ports (adapters in ./adapters/postgres-limit-changes.ts). */
export interface RecordedDecisionSource {
  /**
   * The account's decisions with `from <= decided_at < to`, oldest first: the oldest `limit`
   * of them, or with `newest` the newest `limit` (still returned oldest first).
   */
  inRange(
    accountId: string,
    range: { from: string; to: string },
    limit: number,
    pick: 'oldest' | 'newest',
  ): Promise<RecordedDecision[]>;
  /** Every limits version of the account, as stored. */
  limitsVersions(accountId: string): Promise<Map<number, unknown>>;
}

export interface ChangeLogEntry {
  readonly eventId: string;
  readonly proposalId: string;
  readonly kind: ChangeKind;
  readonly subject: string;
  readonly action: 'propose' | 'what_if' | 'apply' | 'refuse';
  readonly actor: string;
  readonly details: Record<string, unknown>;
  readonly atMs: number;
}

/** A proposal as stored, either kind. */
export interface StoredProposal extends ProposalForApply {
  readonly kind: ChangeKind;
  /** Account id (limits) or symbol (breaker_config). */
  readonly subject: string;
  /** The figures as the proposer sent them. */
  readonly proposed: unknown;
  readonly reason: string;
  readonly appliedBy: string | null;
  readonly appliedVersion: number | null;
  readonly whatIf: unknown;
}

export interface NewProposal {
  readonly proposalId: string;
  readonly subject: string;
  readonly proposed: unknown;
  readonly actor: string;
  readonly reason: string;
  readonly proposedAtMs: number;
  readonly baseVersion: number;
  /** Limits only: the what-if it is made with. */
  readonly whatIf?: unknown;
}

/** Proposals and versions of one kind (Postgres); every write lands with its log row. */
export interface ChangeStore {
  /** The version in force for the subject (0 = none); NotFoundError for an unknown account. */
  currentVersion(subject: string): Promise<number>;
  /** Stores the proposal (with its what-if) and its log rows in one step. */
  insert(proposal: NewProposal, log: readonly ChangeLogEntry[]): Promise<void>;
  /** The proposal, of this subject or (null) of any. */
  get(subject: string | null, proposalId: string): Promise<StoredProposal | null>;
  list(subject: string | null, limit: number): Promise<StoredProposal[]>;
  /**
   * Locks the proposal, calls `check` with it and the version in force (it throws to refuse),
   * writes the next version and marks the proposal applied, with the log row; returns the version.
   */
  apply(
    subject: string | null,
    proposalId: string,
    actor: string,
    atMs: number,
    check: (proposal: StoredProposal, currentVersion: number) => void,
    log: Omit<ChangeLogEntry, 'details' | 'subject'>,
  ): Promise<number>;
  /** Limits only: replaces the attached what-if. */
  attachWhatIf?(subject: string, proposalId: string, whatIf: unknown, log: ChangeLogEntry): Promise<void>;
}

export interface ChangeLog {
  append(entry: ChangeLogEntry): Promise<void>;
  entries(proposalId: string): Promise<ChangeLogEntry[]>;
}

export interface BreakerConfigInForce {
  readonly symbol: string;
  readonly version: number;
  readonly config: unknown;
  readonly created_by: string;
  readonly created_at: string;
}

export interface WhatIfSettings {
  readonly maxDecisions: number;
  readonly maxRangeMs: number;
  readonly defaultLookbackMs: number;
  readonly maxExamples: number;
  readonly proposalTtlMs: number;
}

export interface LimitChangeDeps {
  readonly decisions: RecordedDecisionSource;
  readonly limits: ChangeStore;
  readonly breakers: ChangeStore;
  readonly log: ChangeLog;
  /** The breaker thresholds in force, newest version per symbol. */
  readonly breakersInForce: () => Promise<BreakerConfigInForce[]>;
  readonly settings: WhatIfSettings;
  readonly now: () => number;
  readonly newId: () => string;
}

/** A what-if as attached to a proposal: the report, the range it covered, and whether rows were left out. */
export interface AttachedWhatIf extends WhatIfReport {
  /** True when the range held more decisions than are replayed at once: the newest were. */
  readonly truncated: boolean;
  readonly computed_at: string;
  readonly computed_by: string;
}

export interface ProposalView {
  readonly proposal_id: string;
  readonly kind: ChangeKind;
  readonly subject: string;
  readonly proposed: unknown;
  readonly reason: string;
  readonly proposed_by: string;
  readonly proposed_at: string;
  readonly expires_at: string;
  readonly status: ProposalStatus;
  readonly base_version: number | null;
  readonly applied_by: string | null;
  readonly applied_version: number | null;
  readonly what_if: unknown;
}

export interface ProposalDetails extends ProposalView {
  readonly log: readonly {
    event_id: string;
    action: string;
    actor: string;
    details: Record<string, unknown>;
    at: string;
  }[];
}

const iso = (ms: number) => new Date(ms).toISOString();

export function createLimitChanges(deps: LimitChangeDeps) {
  const { settings } = deps;

  const view = (p: StoredProposal): ProposalView => ({
    proposal_id: p.proposalId,
    kind: p.kind,
    subject: p.subject,
    proposed: p.proposed,
    reason: p.reason,
    proposed_by: p.proposedBy,
    proposed_at: iso(p.proposedAtMs),
    expires_at: iso(expiresAtMs(p.proposedAtMs, settings.proposalTtlMs)),
    status: proposalStatus(p, deps.now(), settings.proposalTtlMs),
    base_version: p.baseVersion,
    applied_by: p.appliedBy,
    applied_version: p.appliedVersion,
    what_if: p.whatIf,
  });

  async function recordedLimits(accountId: string): Promise<Map<number, AccountLimits>> {
    const parsed = new Map<number, AccountLimits>();
    for (const [version, stored] of await deps.decisions.limitsVersions(accountId)) {
      // A stored version the schema cannot read is left out: its decisions are LIMITS_VERSION_UNKNOWN.
      try {
        parsed.set(version, parseLimits(stored));
      } catch {}
    }
    return parsed;
  }

  /** The what-if over [from, to): refused (4xx codes) past the range or row bound. */
  async function whatIf(
    accountId: string,
    proposed: AccountLimitsInput,
    range: { from: string; to: string },
  ): Promise<WhatIfReport> {
    checkWhatIfRange(range.from, range.to, settings.maxRangeMs);
    await deps.limits.currentVersion(accountId);
    const decisions = await deps.decisions.inRange(accountId, range, settings.maxDecisions + 1, 'oldest');
    if (decisions.length > settings.maxDecisions) throw new WhatIfTooManyDecisionsError(settings.maxDecisions);
    return replayUnderLimits({
      accountId,
      ...range,
      proposed: parseLimits(proposed),
      recordedLimits: await recordedLimits(accountId),
      decisions,
      maxExamples: settings.maxExamples,
    });
  }

  /** The what-if a proposal carries: the newest decisions of the range when it holds too many. */
  async function attachable(
    accountId: string,
    proposed: unknown,
    range: { from: string; to: string },
    actor: string,
  ): Promise<AttachedWhatIf> {
    checkWhatIfRange(range.from, range.to, settings.maxRangeMs);
    const decisions = await deps.decisions.inRange(accountId, range, settings.maxDecisions + 1, 'newest');
    const truncated = decisions.length > settings.maxDecisions;
    const kept = truncated ? decisions.slice(1) : decisions;
    const report = replayUnderLimits({
      accountId,
      from: truncated && kept[0] ? kept[0].decidedAt : range.from,
      to: range.to,
      proposed: parseLimits(proposed),
      recordedLimits: await recordedLimits(accountId),
      decisions: kept,
      maxExamples: settings.maxExamples,
    });
    return { ...report, truncated, computed_at: iso(deps.now()), computed_by: actor };
  }

  const summary = (w: AttachedWhatIf) => ({ ...w.totals, truncated: w.truncated, from: w.from, to: w.to });

  const entry = (
    kind: ChangeKind,
    subject: string,
    proposalId: string,
    action: ChangeLogEntry['action'],
    actor: string,
    details: Record<string, unknown>,
  ): ChangeLogEntry => ({ eventId: deps.newId(), proposalId, kind, subject, action, actor, details, atMs: deps.now() });

  async function propose(
    kind: ChangeKind,
    subject: string,
    proposed: unknown,
    actor: string,
    reason: string,
    whatIfOf?: () => Promise<AttachedWhatIf>,
  ): Promise<ProposalView> {
    const store = kind === 'limits' ? deps.limits : deps.breakers;
    const baseVersion = await store.currentVersion(subject);
    // Computed first: a proposal is stored with its what-if or not at all.
    const attached = whatIfOf ? await whatIfOf() : undefined;
    const proposalId = deps.newId();
    const nowMs = deps.now();
    await store.insert(
      {
        proposalId,
        subject,
        proposed,
        actor,
        reason,
        proposedAtMs: nowMs,
        baseVersion,
        ...(attached ? { whatIf: attached } : {}),
      },
      [
        entry(kind, subject, proposalId, 'propose', actor, { proposed, reason, base_version: baseVersion }),
        ...(attached ? [entry(kind, subject, proposalId, 'what_if', actor, summary(attached))] : []),
      ],
    );
    return view(await must(store.get(subject, proposalId), subject, proposalId));
  }

  async function apply(kind: ChangeKind, subject: string | null, proposalId: string, actor: string) {
    const store = kind === 'limits' ? deps.limits : deps.breakers;
    const found = await must(store.get(subject, proposalId), subject, proposalId);
    const nowMs = deps.now();
    try {
      const version = await store.apply(
        found.subject,
        proposalId,
        actor,
        nowMs,
        (proposal, currentVersion) =>
          checkApplicable(proposal, {
            actor,
            nowMs,
            ttlMs: settings.proposalTtlMs,
            currentVersion,
            // Limits in force mean recorded decisions to judge the change by: see them first.
            whatIfRequired: kind === 'limits' && currentVersion > 0,
          }),
        { eventId: deps.newId(), proposalId, kind, action: 'apply', actor, atMs: nowMs },
      );
      return { subject: found.subject, version };
    } catch (error) {
      // A refusal is on the record too: who tried, and why it was refused.
      if (REFUSALS.some((refusal) => error instanceof refusal)) {
        const { name, message } = error as Error;
        await deps.log.append(entry(kind, found.subject, proposalId, 'refuse', actor, { refused: name, message }));
      }
      throw error;
    }
  }

  async function details(kind: ChangeKind, subject: string | null, proposalId: string): Promise<ProposalDetails> {
    const store = kind === 'limits' ? deps.limits : deps.breakers;
    const proposal = await must(store.get(subject, proposalId), subject, proposalId);
    const log = await deps.log.entries(proposalId);
    return {
      ...view(proposal),
      log: log.map((e) => ({
        event_id: e.eventId,
        action: e.action,
        actor: e.actor,
        details: e.details,
        at: iso(e.atMs),
      })),
    };
  }

  // The attached what-if's default range, never longer than a what-if may be.
  const lookback = () => {
    const nowMs = deps.now();
    return { from: iso(nowMs - Math.min(settings.defaultLookbackMs, settings.maxRangeMs)), to: iso(nowMs) };
  };

  return {
    whatIf,
    /** Proposes limits with the what-if over the default lookback attached. */
    proposeLimits: (accountId: string, limits: AccountLimitsInput, actor: string, reason: string) =>
      propose('limits', accountId, limits, actor, reason, () => attachable(accountId, limits, lookback(), actor)),
    /** Attaches (replaces) a proposal's what-if, over a range the risk manager picks. */
    async attachWhatIf(
      accountId: string,
      proposalId: string,
      actor: string,
      range: { from: string; to: string } = lookback(),
    ): Promise<ProposalView> {
      const proposal = await must(deps.limits.get(accountId, proposalId), accountId, proposalId);
      const attached = await attachable(accountId, proposal.proposed, range, actor);
      await deps.limits.attachWhatIf?.(
        accountId,
        proposalId,
        attached,
        entry('limits', accountId, proposalId, 'what_if', actor, summary(attached)),
      );
      return view(await must(deps.limits.get(accountId, proposalId), accountId, proposalId));
    },
    applyLimits: async (accountId: string, proposalId: string, actor: string) =>
      (await apply('limits', accountId, proposalId, actor)).version,
    limitsProposal: (accountId: string, proposalId: string) => details('limits', accountId, proposalId),
    limitsProposals: async (accountId: string, limit: number) => (await deps.limits.list(accountId, limit)).map(view),

    /** Breaker thresholds act on market data, not on recorded decisions: no what-if to attach. */
    proposeBreakerConfig: (symbol: string, config: BreakerConfigInput, actor: string, reason: string) =>
      propose('breaker_config', symbol, config, actor, reason),
    /** Applies a breaker proposal (of whichever symbol it names); returns the symbol and its new version. */
    applyBreakerConfig: (proposalId: string, actor: string) => apply('breaker_config', null, proposalId, actor),
    breakerProposal: (proposalId: string) => details('breaker_config', null, proposalId),
    breakerConfigs: () => deps.breakersInForce(),
    breakerProposals: async (limit: number) => (await deps.breakers.list(null, limit)).map(view),
  };
}

export type LimitChanges = ReturnType<typeof createLimitChanges>;

/** The refusals of an apply that the change log records (an unknown proposal is not one). */
const REFUSALS = [
  SecondApproverRequiredError,
  ProposalExpiredError,
  ProposalSupersededError,
  ProposalAlreadyAppliedError,
  WhatIfRequiredError,
];

async function must(found: Promise<StoredProposal | null>, subject: string | null, proposalId: string) {
  const proposal = await found;
  if (!proposal) throw new NotFoundError(`no proposal ${proposalId}${subject ? ` for ${subject}` : ''}`);
  return proposal;
}
