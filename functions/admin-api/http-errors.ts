import { AccountAlreadyExistsError, UnknownKeyAccountError } from '../../shared/domain/accounts/account.js';
import {
  KillSwitchNotEngagedError,
  KrakenKeyRejectedError,
  ProposalAlreadyAppliedError,
  SecondApproverRequiredError,
} from '../../shared/domain/controls/errors.js';
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
  return toHttpError(error);
}
