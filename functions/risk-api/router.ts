import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import {
  accountIdSchema,
  amendRequestSchema,
  cancelRequestSchema,
  type DecisionResponse,
  orderRequestSchema,
  type RiskRequest,
} from '../../shared/domain/order.js';
import type { ExposureView } from '../../shared/domain/risk/exposure-view.js';
import { requestHash } from '../../shared/domain/risk/request-hash.js';
import type { ValidateOrderResult } from '../../shared/domain/risk/validate-order.js';
import { ROUTES } from '../../shared/names.js';
import { errorResponse, HttpError, jsonResponse, validationErrorFrom } from '../../shared/runtime/http.js';

/** What the routes need; built once per process by the composition root. */
export interface RiskApiPorts {
  /** A new order, an amend or a cancel (told apart by `action`; absent means a new order). */
  validateOrder(request: RiskRequest, raw: unknown, hash: string): Promise<ValidateOrderResult>;
  recentDecisions(accountId: string, limit: number): Promise<DecisionResponse[]>;
  /** Position, working, pending and headroom of an account; null for an unknown account. */
  exposure?(accountId: string): Promise<ExposureView | null>;
  health(): Promise<{ healthy: boolean; checks: Record<string, 'ok' | 'down'> }>;
  /** Told about every decision answered (metrics, logs). */
  onDecision?(result: ValidateOrderResult, elapsedMs: number): void;
}

export const decisionsQuerySchema = z.strictObject({
  account_id: accountIdSchema,
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const MAX_BODY_CHARS = 16 * 1024;

/** `/v1/risk/accounts/{id}/exposure`, the id captured. */
// The route holds only letters, digits and slashes around its `{id}`: nothing to escape.
const EXPOSURE_PATH = new RegExp(`^${ROUTES.accountExposure.replace('{id}', '([^/]+)')}$`);

/**
 * The schema of a validate body by its `action`: one schema per form, so a new order that
 * breaks a rule is told about its own fields, not about every member of a union.
 */
function requestSchemaFor(raw: unknown) {
  const action = raw !== null && typeof raw === 'object' ? (raw as { action?: unknown }).action : undefined;
  if (action === 'amend') return amendRequestSchema;
  if (action === 'cancel') return cancelRequestSchema;
  return orderRequestSchema;
}

/**
 * Routes API Gateway proxy events to the use cases. Thin: parse, call, map. Anything a
 * client can send ends in a 2xx or a 4xx with a machine-readable code; a 5xx only for the
 * gate's own faults, and then without internals.
 */
/**
 * @param clock what decision latency is measured on (tests run it on virtual time, so the
 * latency alarms are judged on the code's path, not on a loaded build machine). @default performance
 */
export function createRouter(ports: RiskApiPorts, stage: string, clock: { now(): number } = performance) {
  return async function route(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
    try {
      const path = event.path.replace(/\/+$/, '') || '/';
      if (path === ROUTES.validate) {
        requireMethod(event, 'POST');
        return await validate(event);
      }
      if (path === ROUTES.decisions) {
        requireMethod(event, 'GET');
        const query = decisionsQuerySchema.safeParse(event.queryStringParameters ?? {});
        if (!query.success) throw validationErrorFrom(query.error.issues);
        const decisions = await ports.recentDecisions(query.data.account_id, query.data.limit);
        return jsonResponse(200, { account_id: query.data.account_id, decisions });
      }
      const exposure = EXPOSURE_PATH.exec(path);
      if (exposure) {
        requireMethod(event, 'GET');
        const accountId = accountIdSchema.safeParse(decodedSegment(exposure[1] ?? ''));
        if (!accountId.success) throw validationErrorFrom(accountId.error.issues.map((i) => ({ ...i, path: ['id'] })));
        if (!ports.exposure) throw new HttpError(503, 'SERVICE_UNAVAILABLE', 'exposure is not served here');
        const view = await ports.exposure(accountId.data);
        if (!view) throw new HttpError(404, 'NOT_FOUND', `unknown account ${accountId.data}`);
        return jsonResponse(200, view);
      }
      if (path === ROUTES.health) {
        requireMethod(event, 'GET');
        const { healthy, checks } = await ports.health();
        return jsonResponse(healthy ? 200 : 503, { status: healthy ? 'ok' : 'degraded', stage, checks });
      }
      throw new HttpError(404, 'NOT_FOUND', `no route ${path}`);
    } catch (error) {
      return errorResponse(error);
    }
  };

  async function validate(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
    const started = clock.now();
    const contentType = headerOf(event, 'content-type');
    if (contentType && !/^application\/json\b/i.test(contentType)) {
      throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send application/json');
    }
    const text = event.isBase64Encoded && event.body ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
    if (!text) throw new HttpError(400, 'INVALID_JSON', 'request body is empty');
    if (text.length > MAX_BODY_CHARS) throw new HttpError(413, 'PAYLOAD_TOO_LARGE', 'body over 16 KiB');
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw new HttpError(400, 'INVALID_JSON', 'request body is not valid JSON');
    }
    const parsed = requestSchemaFor(raw).safeParse(raw);
    if (!parsed.success) throw validationErrorFrom(parsed.error.issues);
    const result = await ports.validateOrder(parsed.data, raw, requestHash(raw));
    ports.onDecision?.(result, clock.now() - started);
    return jsonResponse(200, result.response);
  }
}

/** A path segment decoded, or as sent when it is not valid percent-encoding (then the id schema refuses it: a 400, not a URIError's 500). */
function decodedSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function requireMethod(event: APIGatewayProxyEvent, method: string): void {
  if (event.httpMethod.toUpperCase() !== method) {
    throw new HttpError(405, 'METHOD_NOT_ALLOWED', `use ${method}`);
  }
}

function headerOf(event: APIGatewayProxyEvent, name: string): string | undefined {
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === name) return value ?? undefined;
  }
  return undefined;
}
