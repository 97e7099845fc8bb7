import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../shared/domain/errors.js';
import { WhatIfRequiredError } from '../../shared/domain/limits/errors.js';
import type { RecordedDecision } from '../../shared/domain/limits/what-if.js';
import { NOW_MS, orderBody, stateFixture } from '../../shared/domain/risk/fixtures.js';
import { recordState } from '../../shared/domain/risk/recorded-state.js';
import {
  type ChangeLogEntry,
  type ChangeStore,
  createLimitChanges,
  type NewProposal,
  type StoredProposal,
} from './limit-changes.js';

const HOUR = 3_600_000;

/** The change store port in memory: proposals by id, versions per subject. */
class MemoryChangeStore implements ChangeStore {
  readonly proposals = new Map<string, StoredProposal>();
  readonly versions = new Map<string, number>();
  constructor(
    private readonly kind: 'limits' | 'breaker_config',
    private readonly log: ChangeLogEntry[],
  ) {}
  async currentVersion(subject: string) {
    return this.versions.get(subject) ?? 0;
  }
  async insert(p: NewProposal, log: readonly ChangeLogEntry[]) {
    this.proposals.set(p.proposalId, {
      kind: this.kind,
      proposalId: p.proposalId,
      subject: p.subject,
      proposed: p.proposed,
      reason: p.reason,
      proposedBy: p.actor,
      proposedAtMs: p.proposedAtMs,
      appliedAtMs: null,
      appliedBy: null,
      appliedVersion: null,
      baseVersion: p.baseVersion,
      hasWhatIf: p.whatIf !== undefined,
      whatIf: p.whatIf ?? null,
    });
    this.log.push(...log);
  }
  async get(subject: string | null, id: string) {
    const p = this.proposals.get(id);
    return p && (subject === null || p.subject === subject) ? p : null;
  }
  async list() {
    return [...this.proposals.values()];
  }
  async apply(
    subject: string | null,
    id: string,
    actor: string,
    atMs: number,
    check: (p: StoredProposal, v: number) => void,
    log: Omit<ChangeLogEntry, 'details' | 'subject'>,
  ) {
    const p = await this.get(subject, id);
    if (!p) throw new NotFoundError(id);
    const current = await this.currentVersion(p.subject);
    check(p, current);
    this.versions.set(p.subject, current + 1);
    this.proposals.set(id, { ...p, appliedAtMs: atMs, appliedBy: actor, appliedVersion: current + 1 });
    this.log.push({ ...log, subject: p.subject, details: {} });
    return current + 1;
  }
  async attachWhatIf() {}
}

function decisionAt(ms: number, n: number): RecordedDecision {
  const request = orderBody({ order_id: `o-${n}`, quantity: '0.1' });
  return {
    decisionId: `d-${n}`,
    decidedAt: new Date(ms).toISOString(),
    orderId: request.order_id,
    symbol: 'BTC/USD',
    decision: 'accept',
    reasonCodes: [],
    limitsVersion: 1,
    request,
    inputs: {
      state: recordState(
        stateFixture({ mark: { ...stateFixture().mark!, receiveTsMs: ms - 20, exchangeTsMs: ms - 40 } }),
        'BTC/USD',
        true,
      ),
    },
  };
}

function changes(decisions: RecordedDecision[] = []) {
  const log: ChangeLogEntry[] = [];
  const limits = new MemoryChangeStore('limits', log);
  const breakers = new MemoryChangeStore('breaker_config', log);
  const reads: { range: { from: string; to: string }; limit: number; pick: string }[] = [];
  let clock = NOW_MS;
  let ids = 0;
  const service = createLimitChanges({
    decisions: {
      async inRange(_account, range, limit, pick) {
        reads.push({ range, limit, pick });
        const inside = decisions.filter((d) => d.decidedAt >= range.from && d.decidedAt < range.to);
        return pick === 'oldest' ? inside.slice(0, limit) : inside.slice(-limit);
      },
      limitsVersions: async () => new Map([[1, { nav: '1000000' }]]),
    },
    limits,
    breakers,
    log: { append: async (e) => void log.push(e), entries: async (id) => log.filter((e) => e.proposalId === id) },
    breakersInForce: async () => [],
    settings: {
      maxDecisions: 2,
      maxRangeMs: 2 * HOUR,
      defaultLookbackMs: 24 * HOUR,
      maxExamples: 5,
      proposalTtlMs: HOUR,
    },
    now: () => clock,
    newId: () => `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`,
  });
  return { service, limits, log, reads, advance: (ms: number) => (clock += ms) };
}

describe('Function: createLimitChanges', () => {
  it('attaches a what-if over the newest decisions of a lookback clamped to the longest range, saying it was truncated', async () => {
    // Prepare: three decisions in the last hour; two may be replayed at once.
    const { service, reads } = changes([1, 2, 3].map((n) => decisionAt(NOW_MS - HOUR + n * 1_000, n)));

    // Act
    const proposal = await service.proposeLimits(
      'acct-1',
      { nav: '1000000', max_order_notional: '5000' },
      'alice',
      'cap',
    );

    // Assess: 24 h asked, 2 h read; the two newest replayed, both flipped by the 5,000 cap.
    expect(reads[0]).toMatchObject({ pick: 'newest', limit: 3 });
    expect(Date.parse(reads[0]?.range.to ?? '') - Date.parse(reads[0]?.range.from ?? '')).toBe(2 * HOUR);
    expect(proposal.what_if).toMatchObject({
      truncated: true,
      from: new Date(NOW_MS - HOUR + 2_000).toISOString(),
      totals: { decisions: 2, flipped: 2 },
    });
  });

  it('logs a refused apply with its reason, but not an apply of a proposal that does not exist', async () => {
    // Prepare
    const { service, log, advance } = changes();
    const proposal = await service.proposeLimits('acct-1', { nav: '1000000' }, 'alice', 'first limits');

    // Act
    advance(HOUR);
    const expired = await service.applyLimits('acct-1', proposal.proposal_id, 'bob').catch((e: Error) => e.name);
    const missing = await service
      .applyLimits('acct-1', '00000000-0000-4000-8000-00000000ffff', 'bob')
      .catch((e: Error) => e.name);

    // Assess
    expect([expired, missing]).toEqual(['ProposalExpiredError', 'NotFoundError']);
    expect(log.map((e) => `${e.action}:${e.actor}`)).toEqual(['propose:alice', 'what_if:alice', 'refuse:bob']);
    expect(log[2]?.details).toMatchObject({ refused: 'ProposalExpiredError' });
  });

  it('refuses to apply, without a what-if, a limits change to an account with limits in force', async () => {
    // Prepare: a proposal stored without a what-if (made before migration 012), limits v1 in force.
    const { service, limits } = changes();
    limits.versions.set('acct-1', 1);
    await limits.insert(
      {
        proposalId: '00000000-0000-4000-8000-0000000000aa',
        subject: 'acct-1',
        proposed: { nav: '1' },
        actor: 'alice',
        reason: 'old',
        proposedAtMs: NOW_MS,
        baseVersion: 1,
      },
      [],
    );

    // Act
    const apply = service.applyLimits('acct-1', '00000000-0000-4000-8000-0000000000aa', 'bob');

    // Assess
    await expect(apply).rejects.toThrow(WhatIfRequiredError);
  });
});
