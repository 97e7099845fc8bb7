import type { APIGatewayProxyResult } from 'aws-lambda';
import { IdempotencyConflictError, NotFoundError, StateUnavailableError, ValidationError } from '../domain/errors.js';
import type { RequestErrorCode } from '../domain/reasons.js';

/**
 * The one edge error mapper: domain errors become HTTP statuses with a stable,
 * machine-readable `code`. 4xx bodies say what the client got wrong (and which field);
 * 5xx bodies never carry internals.
 */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: RequestErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

const JSON_HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store' } as const;

export function jsonResponse(statusCode: number, body: unknown): APIGatewayProxyResult {
  return { statusCode, headers: { ...JSON_HEADERS }, body: JSON.stringify(body) };
}

export function errorResponse(error: unknown): APIGatewayProxyResult {
  const mapped = toHttpError(error);
  return jsonResponse(mapped.statusCode, { code: mapped.code, message: mapped.message, ...mapped.details });
}

export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof ValidationError) {
    return new HttpError(400, 'INVALID_REQUEST', error.message, { issues: error.issues });
  }
  if (error instanceof IdempotencyConflictError) return new HttpError(409, 'IDEMPOTENCY_CONFLICT', error.message);
  if (error instanceof NotFoundError) return new HttpError(404, 'NOT_FOUND', error.message);
  if (error instanceof StateUnavailableError) {
    return new HttpError(503, 'SERVICE_UNAVAILABLE', `${error.store} unavailable, try again`);
  }
  return new HttpError(500, 'INTERNAL_ERROR', 'internal error');
}

/** Turns zod issues into the `issues` of a 400: the field at fault and what is wrong. */
export function validationErrorFrom(issues: readonly { path: PropertyKey[]; message: string }[]): ValidationError {
  const mapped = issues.map((issue) => ({
    field: issue.path.map(String).join('.') || '(body)',
    message: issue.message,
  }));
  const first = mapped[0];
  return new ValidationError(first ? `${first.field}: ${first.message}` : 'invalid request', mapped);
}
