import type { APIGatewayProxyResult } from 'aws-lambda';
import {
  IdempotencyConflictError,
  NotFoundError,
  StateUnavailableError,
  UpstreamUnavailableError,
  ValidationError,
} from '../domain/errors.js';
import type { RequestErrorCode } from '../domain/reasons.js';

/**
 * An error that already is an HTTP answer. Only an edge (a router, a handler) throws one,
 * for what is about the request itself (no route, wrong method, not JSON); everything
 * below the edge throws named domain errors, which the edge's mapper turns into these.
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

/**
 * The answer to a failed request, through the edge's error mapper (by default
 * {@link toHttpError}; an edge with errors of its own passes a mapper that handles those
 * and defers to it for the rest).
 */
export function errorResponse(
  error: unknown,
  toHttp: (error: unknown) => HttpError = toHttpError,
): APIGatewayProxyResult {
  const mapped = toHttp(error);
  return jsonResponse(mapped.statusCode, { code: mapped.code, message: mapped.message, ...mapped.details });
}

/**
 * The shared part of every edge's error mapper: the domain errors any unit may raise become
 * HTTP statuses with a stable, machine-readable `code`. 4xx bodies say what the client got
 * wrong (and which field); 5xx bodies never carry internals.
 */
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
  // Its message is the use case's own sentence (what was not done), never the upstream's error.
  if (error instanceof UpstreamUnavailableError) return new HttpError(502, 'UPSTREAM_UNAVAILABLE', error.message);
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
