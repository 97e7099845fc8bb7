/**
 * Errors of the controls use cases (kill switch, limits administration, Kraken keys). The
 * admin edge maps each to its HTTP status and stable `code`; nothing here knows HTTP.
 */

/** A release was asked for a scope whose kill switch is not engaged. */
export class KillSwitchNotEngagedError extends Error {
  override readonly name = 'KillSwitchNotEngagedError';
  constructor(
    readonly scope: string,
    readonly target: string,
  ) {
    super(`no ${scope} kill switch engaged on ${target}`);
  }
}

/** The same risk manager approved a release twice: a second, different one must release. */
export class SecondApproverRequiredError extends Error {
  override readonly name = 'SecondApproverRequiredError';
  constructor(
    readonly actor: string,
    readonly approvers: readonly string[],
  ) {
    super(`${actor} already approved; a second, different approver must release`);
  }
}

/** A limits proposal that was already applied cannot be applied again. */
export class ProposalAlreadyAppliedError extends Error {
  override readonly name = 'ProposalAlreadyAppliedError';
  constructor(readonly proposalId: string) {
    super(`proposal ${proposalId} was already applied`);
  }
}

/** Kraken refused a new API key outright (wrong secret, missing permission): it was not stored. */
export class KrakenKeyRejectedError extends Error {
  override readonly name = 'KrakenKeyRejectedError';
  constructor(readonly krakenErrors: readonly string[]) {
    super(`Kraken refused the key: ${krakenErrors.join(', ')}`);
  }
}
