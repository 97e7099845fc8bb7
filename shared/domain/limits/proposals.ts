import { ProposalAlreadyAppliedError, SecondApproverRequiredError } from '../controls/errors.js';
import { ProposalExpiredError, ProposalSupersededError, WhatIfRequiredError } from './errors.js';

/**
 * Two-approver changes (an account's limits, a symbol's breaker thresholds): one risk
 * manager proposes, the what-if is attached, a second, different one applies it as the next
 * version, within the proposal's time to live and only while the version it was made on is
 * still the one in force. Pure: the adapter calls {@link checkApplicable} inside the
 * transaction that applies, on the row it locked.
 */

export type ChangeKind = 'limits' | 'breaker_config';

/** What an apply needs to know about the proposal, as locked for the change. */
export interface ProposalForApply {
  readonly proposalId: string;
  readonly proposedBy: string;
  readonly proposedAtMs: number;
  readonly appliedAtMs: number | null;
  /**
   * The version in force when it was proposed (0 = none); null when not recorded (a proposal
   * written with an account's creation, or before migration 012): then not checked.
   */
  readonly baseVersion: number | null;
  readonly hasWhatIf: boolean;
}

export interface ApplyContext {
  readonly actor: string;
  readonly nowMs: number;
  readonly ttlMs: number;
  /** The version in force now (0 = none). */
  readonly currentVersion: number;
  /** Whether a what-if must be attached (a limits change to an account with limits in force). */
  readonly whatIfRequired: boolean;
}

export type ProposalStatus = 'pending' | 'applied' | 'expired';

export function expiresAtMs(proposedAtMs: number, ttlMs: number): number {
  return proposedAtMs + ttlMs;
}

export function proposalStatus(
  p: { readonly proposedAtMs: number; readonly appliedAtMs: number | null },
  nowMs: number,
  ttlMs: number,
): ProposalStatus {
  if (p.appliedAtMs !== null) return 'applied';
  return nowMs >= expiresAtMs(p.proposedAtMs, ttlMs) ? 'expired' : 'pending';
}

/**
 * Throws the reason a proposal may not be applied now, in the order a person fixes them:
 * already applied, expired, proposer applying their own, superseded, no what-if.
 */
export function checkApplicable(p: ProposalForApply, ctx: ApplyContext): void {
  if (p.appliedAtMs !== null) throw new ProposalAlreadyAppliedError(p.proposalId);
  const expiry = expiresAtMs(p.proposedAtMs, ctx.ttlMs);
  if (ctx.nowMs >= expiry) throw new ProposalExpiredError(p.proposalId, new Date(expiry).toISOString());
  // Two people for every change: the proposer cannot be its approver.
  if (p.proposedBy === ctx.actor) throw new SecondApproverRequiredError(ctx.actor, [ctx.actor]);
  if (p.baseVersion !== null && p.baseVersion !== ctx.currentVersion) {
    throw new ProposalSupersededError(p.proposalId, p.baseVersion, ctx.currentVersion);
  }
  if (ctx.whatIfRequired && !p.hasWhatIf) throw new WhatIfRequiredError(p.proposalId);
}
