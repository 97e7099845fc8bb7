import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { z } from 'zod';
import { engageRequestSchema, releaseRequestSchema } from '../../shared/domain/controls/kill-switch.js';
import { accountIdSchema, symbolSchema } from '../../shared/domain/order.js';
import { accountLimitsSchema } from '../../shared/domain/risk/limits.js';
import { ROUTES } from '../../shared/names.js';
import { errorResponse, HttpError, jsonResponse, validationErrorFrom } from '../../shared/runtime/http.js';
import type { AdminServices } from './app.js';

const actorSchema = z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/);
const proposalSchema = z.strictObject({
  limits: accountLimitsSchema,
  actor: actorSchema,
  reason: z.string().min(3).max(500),
});
const applySchema = z.strictObject({ actor: actorSchema });
const krakenKeySchema = z.strictObject({
  api_key: z.string().min(16).max(256),
  api_secret: z.string().min(16).max(512),
  actor: actorSchema,
});
const breakerResetSchema = z.strictObject({
  symbol: symbolSchema,
  actor: actorSchema,
  reason: z.string().min(3).max(500),
});
const historyQuerySchema = z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(50) });

/**
 * Admin routes (`/v1/admin/...`): kill switch engage/release/state/history, limits
 * read/propose/apply, Kraken key rotation, breaker reset. In AWS the caller is an IAM
 * identity whose role requires MFA; its ARN, when present, is the actor of record (the
 * body's `actor` is used only where there is none, i.e. local mode).
 */
export function createAdminRouter(services: AdminServices) {
  return async function route(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
    try {
      const path = event.path.replace(/\/+$/, '');
      const method = event.httpMethod.toUpperCase();

      if (path === ROUTES.adminKillSwitch) {
        if (method === 'GET') return jsonResponse(200, { engaged: await services.killSwitch.states() });
        requireMethod(method, 'POST');
        const body = parse(engageRequestSchema, withActor(event));
        const result = await services.killSwitch.service.engage(body);
        return jsonResponse(result.status, {
          state: result.state,
          event_id: result.event.event_id,
          failed_channels: result.failedChannels,
        });
      }
      if (path === ROUTES.adminKillSwitchRelease) {
        requireMethod(method, 'POST');
        const result = await services.killSwitch.service.approveRelease(parse(releaseRequestSchema, withActor(event)));
        if (!result.released) {
          return jsonResponse(202, {
            code: 'RELEASE_PENDING_SECOND_APPROVAL',
            message: 'approval recorded; a second, different approver must confirm within the window',
            approvers: result.approvers,
          });
        }
        return jsonResponse(200, { released: true, approvers: result.approvers });
      }
      if (path === ROUTES.adminKillSwitchHistory) {
        requireMethod(method, 'GET');
        const { limit } = parse(historyQuerySchema, event.queryStringParameters ?? {});
        return jsonResponse(200, { history: await services.killSwitch.log.history(limit) });
      }
      if (path === ROUTES.adminBreakerReset) {
        requireMethod(method, 'POST');
        const body = parse(breakerResetSchema, withActor(event));
        const { cleared } = await services.resetBreaker(body.symbol, body.actor, body.reason);
        return jsonResponse(200, {
          symbol: body.symbol,
          state: 'clear',
          cleared_causes: cleared,
          reset_by: body.actor,
        });
      }

      const account = new RegExp(`^${ROUTES.adminAccounts}/([^/]+)/(.+)$`).exec(path);
      if (account) {
        const accountId = parse(accountIdSchema, decodeURIComponent(account[1] ?? ''));
        const rest = account[2] ?? '';
        if (rest === 'limits') {
          requireMethod(method, 'GET');
          const current = await services.limits.current(accountId);
          if (!current) throw new HttpError(404, 'NOT_FOUND', `no limits for ${accountId}`);
          return jsonResponse(200, { account_id: accountId, ...current });
        }
        if (rest === 'limits/proposals') {
          requireMethod(method, 'POST');
          const body = parse(proposalSchema, withActor(event));
          const raw = (JSON.parse(event.body ?? '{}') as { limits: z.input<typeof accountLimitsSchema> }).limits;
          const proposalId = await services.limits.propose(accountId, raw, body.actor, body.reason);
          return jsonResponse(201, { proposal_id: proposalId });
        }
        const apply = /^limits\/proposals\/([0-9a-f-]{36})\/apply$/.exec(rest);
        if (apply) {
          requireMethod(method, 'POST');
          const body = parse(applySchema, withActor(event));
          const version = await services.limits.apply(accountId, apply[1] ?? '', body.actor);
          services.onLimitsApplied?.(accountId);
          return jsonResponse(200, { account_id: accountId, version });
        }
        if (rest === 'kraken-key') {
          requireMethod(method, 'PUT');
          const body = parse(krakenKeySchema, withActor(event));
          const stored = await services.rotateKrakenKey(
            accountId,
            { apiKey: body.api_key, apiSecret: body.api_secret },
            body.actor,
          );
          return jsonResponse(200, {
            account_id: accountId,
            secret_name: stored.secretName,
            rotated_by: body.actor,
            rotated_at: stored.rotatedAt,
          });
        }
      }
      throw new HttpError(404, 'NOT_FOUND', `no admin route ${path}`);
    } catch (error) {
      return errorResponse(error);
    }
  };
}

function requireMethod(actual: string, expected: string): void {
  if (actual !== expected) throw new HttpError(405, 'METHOD_NOT_ALLOWED', `use ${expected}`);
}

function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationErrorFrom(result.error.issues);
  return result.data;
}

/** The JSON body, with `actor` replaced by the caller's IAM identity when API Gateway sent one. */
function withActor(event: APIGatewayProxyEvent): unknown {
  let body: unknown;
  try {
    body = JSON.parse(event.body ?? '');
  } catch {
    throw new HttpError(400, 'INVALID_JSON', 'request body is not valid JSON');
  }
  const arn = event.requestContext?.identity?.userArn;
  if (!arn || body === null || typeof body !== 'object') return body;
  // Assumed-role ARNs end in the session name: the person behind the MFA session.
  const actor =
    arn
      .split('/')
      .pop()
      ?.replace(/[^A-Za-z0-9._@-]/g, '')
      .slice(0, 64) || 'unknown';
  return { ...(body as Record<string, unknown>), actor };
}
