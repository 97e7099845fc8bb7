import { AccountAlreadyExistsError, UnknownKeyAccountError } from '../../shared/domain/accounts/account.js';
import {
  KillSwitchNotEngagedError,
  KrakenKeyRejectedError,
  ProposalAlreadyAppliedError,
  SecondApproverRequiredError,
} from '../../shared/domain/controls/errors.js';
import {
  ProposalExpiredError,
  ProposalSupersededError,
  WhatIfRangeTooLongError,
  WhatIfRequiredError,
  WhatIfTooManyDecisionsError,
} from '../../shared/domain/limits/errors.js';
import { StateEpochBehindError, StateEpochMissingError } from '../../shared/domain/state-epoch.js';
import { HttpError, toHttpError } from '../../shared/runtime/http.js';

/**
 * The admin edge's error mapper: the controls errors to their HTTP status and stable `code`
 * (clients and runbooks key on the codes), then the errors every edge shares.
 */
export function toAdminHttpError(error: unknown): HttpError {
  if (error instanceof KillSwitchNotEngagedError) return new HttpError(409, 'KILL_SWITCH_NOT_ENGAGED', error.message);
  if (error instanceof SecondApproverRequiredError) {
    return new HttpError(409, 'SECOND_APPROVER_REQUIRED', error.message, { approvers: error.approvers });
  }
  if (error instanceof ProposalAlreadyAppliedError) return new HttpError(409, 'IDEMPOTENCY_CONFLICT', error.message);
  if (error instanceof KrakenKeyRejectedError) return new HttpError(422, 'KRAKEN_KEY_REJECTED', error.message);
  if (error instanceof AccountAlreadyExistsError) return new HttpError(409, 'ACCOUNT_EXISTS', error.message);
  if (error instanceof UnknownKeyAccountError) {
    // A field of the request names nothing: a bad request, reported like the schema's issues.
    return new HttpError(400, 'INVALID_REQUEST', error.message, {
      issues: [{ field: 'kraken_key_account', message: error.message }],
    });
  }
  if (error instanceof ProposalExpiredError) {
    return new HttpError(409, 'PROPOSAL_EXPIRED', error.message, { expired_at: error.expiredAt });
  }
  if (error instanceof ProposalSupersededError) {
    return new HttpError(409, 'PROPOSAL_SUPERSEDED', error.message, {
      base_version: error.baseVersion,
      current_version: error.currentVersion,
    });
  }
  if (error instanceof WhatIfRequiredError) return new HttpError(409, 'WHAT_IF_REQUIRED', error.message);
  if (error instanceof WhatIfRangeTooLongError) {
    return new HttpError(422, 'WHAT_IF_RANGE_TOO_LONG', error.message, { max_range_ms: error.maxRangeMs });
  }
  if (error instanceof WhatIfTooManyDecisionsError) {
    return new HttpError(422, 'WHAT_IF_TOO_MANY_DECISIONS', error.message, { max_decisions: error.maxDecisions });
  }
  // Directly from a store, or wrapped by a use case as its store being unavailable.
  if (isStateEpochError(error) || isStateEpochError((error as { cause?: unknown } | null)?.cause)) {
    return new HttpError(
      503,
      'STATE_NOT_REBUILT',
      'the risk state cache is being rebuilt: kill switch and breaker state are unknown until it is; try again',
    );
  }
  return toHttpError(error);
}

function isStateEpochError(error: unknown): boolean {
  return error instanceof StateEpochMissingError || error instanceof StateEpochBehindError;
}
