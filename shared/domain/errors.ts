/**
 * Named domain errors. The HTTP edge maps each to a status and a stable `code`; nothing
 * below the edge knows about HTTP.
 */

/** The request is well-formed JSON but breaks the contract (a field is missing or wrong). */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(
    message: string,
    readonly issues: readonly { readonly field: string; readonly message: string }[],
  ) {
    super(message);
  }
}

/** A store needed for the decision did not answer in time or failed. Fail closed. */
export class StateUnavailableError extends Error {
  override readonly name = 'StateUnavailableError';
  constructor(
    readonly store: string,
    options?: { cause?: unknown },
  ) {
    super(`${store} unavailable`, options);
  }
}

/** The same order id was seen before with a different body. */
export class IdempotencyConflictError extends Error {
  override readonly name = 'IdempotencyConflictError';
  constructor(readonly orderId: string) {
    super(`order_id ${orderId} was already used for a different order`);
  }
}

/** A resource (route, account, decision) does not exist. */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}

/** A service outside the gate (an exchange) did not answer, so nothing was changed. */
export class UpstreamUnavailableError extends Error {
  override readonly name = 'UpstreamUnavailableError';
  constructor(
    readonly upstream: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * An exchange refused a call or failed it. `retryable` when the exchange says the failure
 * is transient (rate limit, busy, unavailable): the callers' retry policies key on it.
 * `errors` are the exchange's own error strings, never a credential.
 */
export class ExchangeCallError extends Error {
  override readonly name: string = 'ExchangeCallError';
  constructor(
    readonly errors: readonly string[],
    readonly retryable: boolean,
  ) {
    super(`exchange error: ${errors.join(', ')}`);
  }
}
