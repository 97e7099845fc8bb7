/**
 * Errors of the limits what-if and of two-approver changes (limits, breaker thresholds). The
 * admin edge maps each to its HTTP status and stable `code`; nothing here knows HTTP.
 */

/** The what-if's time range is longer than the configured bound. */
export class WhatIfRangeTooLongError extends Error {
  override readonly name = 'WhatIfRangeTooLongError';
  constructor(
    readonly rangeMs: number,
    readonly maxRangeMs: number,
  ) {
    super(`the range spans ${rangeMs} ms; at most ${maxRangeMs} ms may be replayed at once: narrow it`);
  }
}

/** More recorded decisions in the range than one what-if replays. */
export class WhatIfTooManyDecisionsError extends Error {
  override readonly name = 'WhatIfTooManyDecisionsError';
  constructor(readonly maxDecisions: number) {
    super(`more than ${maxDecisions} recorded decisions in the range: narrow it`);
  }
}

/** A proposal past its time to live: it can no longer be applied; propose again. */
export class ProposalExpiredError extends Error {
  override readonly name = 'ProposalExpiredError';
  constructor(
    readonly proposalId: string,
    readonly expiredAt: string,
  ) {
    super(`proposal ${proposalId} expired at ${expiredAt}; propose again`);
  }
}

/**
 * The version in force changed after the proposal was made (another change was applied): it
 * was judged, and its what-if read, against figures that are no longer current.
 */
export class ProposalSupersededError extends Error {
  override readonly name = 'ProposalSupersededError';
  constructor(
    readonly proposalId: string,
    readonly baseVersion: number,
    readonly currentVersion: number,
  ) {
    super(
      `proposal ${proposalId} was made on version ${baseVersion}; version ${currentVersion} is in force now: propose again`,
    );
  }
}

/** A limits change to an account with limits in force needs its what-if attached before it is applied. */
export class WhatIfRequiredError extends Error {
  override readonly name = 'WhatIfRequiredError';
  constructor(readonly proposalId: string) {
    super(`proposal ${proposalId} has no what-if attached: attach one before applying`);
  }
}
