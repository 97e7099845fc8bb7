import { describe, expect, it } from 'vitest';
import { ProposalAlreadyAppliedError, SecondApproverRequiredError } from '../controls/errors.js';
import { ProposalExpiredError, ProposalSupersededError, WhatIfRequiredError } from './errors.js';
import { type ApplyContext, checkApplicable, type ProposalForApply, proposalStatus } from './proposals.js';

const HOUR = 3_600_000;
const proposal: ProposalForApply = {
  proposalId: 'p-1',
  proposedBy: 'alice',
  proposedAtMs: 10 * HOUR,
  appliedAtMs: null,
  baseVersion: 4,
  hasWhatIf: true,
};
const context: ApplyContext = {
  actor: 'bob',
  nowMs: 11 * HOUR,
  ttlMs: 24 * HOUR,
  currentVersion: 4,
  whatIfRequired: true,
};

describe('Function: checkApplicable', () => {
  it('lets a second, different approver apply a live proposal made on the version in force', () => {
    expect(() => checkApplicable(proposal, context)).not.toThrow();
  });

  it.each([
    ['the proposer applying their own', {}, { actor: 'alice' }, SecondApproverRequiredError],
    ['a proposal past its time to live', {}, { nowMs: 34 * HOUR }, ProposalExpiredError],
    ['a proposal already applied', { appliedAtMs: 11 * HOUR }, {}, ProposalAlreadyAppliedError],
    ['a proposal made on an older version', {}, { currentVersion: 5 }, ProposalSupersededError],
    ['a limits change with no what-if attached', { hasWhatIf: false }, {}, WhatIfRequiredError],
  ])('refuses %s', (_what, p, ctx, error) => {
    // Act
    const apply = () => checkApplicable({ ...proposal, ...p }, { ...context, ...ctx });

    // Assess
    expect(apply).toThrow(error);
  });

  it('does not check a base version that was never recorded, nor a what-if where none is required', () => {
    expect(() =>
      checkApplicable(
        { ...proposal, baseVersion: null, hasWhatIf: false },
        { ...context, currentVersion: 9, whatIfRequired: false },
      ),
    ).not.toThrow();
  });
});

describe('Function: proposalStatus', () => {
  it('is pending until its time to live has passed, expired from then, applied once applied', () => {
    expect(proposalStatus(proposal, 34 * HOUR - 1, 24 * HOUR)).toBe('pending');
    expect(proposalStatus(proposal, 34 * HOUR, 24 * HOUR)).toBe('expired');
    expect(proposalStatus({ ...proposal, appliedAtMs: 40 * HOUR }, 50 * HOUR, 24 * HOUR)).toBe('applied');
  });
});
