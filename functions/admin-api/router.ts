import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import { accountKindSchema } from '../../shared/domain/accounts/account.js';
import { engageRequestSchema, releaseRequestSchema } from '../../shared/domain/controls/kill-switch.js';
import { NotFoundError } from '../../shared/domain/errors.js';
import { accountIdSchema, symbolSchema } from '../../shared/domain/order.js';
import { type AccountLimitsInput, accountLimitsSchema } from '../../shared/domain/risk/limits.js';
import { RISK_MANAGER_GROUP, ROUTES } from '../../shared/names.js';
import { errorResponse, HttpError, jsonResponse, validationErrorFrom } from '../../shared/runtime/http.js';
import type { AccountDetails, AccountView, CreatedAccount } from './accounts.js';
import type { AdminServices } from './app.js';
import { routeLimitChanges } from './change-routes.js';
import { routeDeskReads } from './desk-routes.js';
import { toAdminHttpError } from './http-errors.js';
import type { EngageResult } from './kill-switch-service.js';

const actorSchema = z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/);
/**
 * Proposed limits are checked against the schema the risk API parses with (same issues,
 * same fields) but kept as sent: a proposal records the risk manager's own figures, with
 * no defaults filled in, and the risk API fills them when it reads the version.
 */
const proposedLimitsSchema = z.unknown().transform((value, ctx): AccountLimitsInput => {
  const checked = accountLimitsSchema.safeParse(value);
  if (!checked.success) {
    for (const issue of checked.error.issues) ctx.addIssue(issue as never);
    return z.NEVER;
  }
  return value as AccountLimitsInput;
});
const proposalSchema = z.strictObject({
  limits: proposedLimitsSchema,
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
const createAccountSchema = z.strictObject({
  account_id: accountIdSchema,
  display_name: z.string().trim().min(1).max(200),
  kind: accountKindSchema,
  /** Account whose Kraken key secret it trades with; its own when absent. */
  kraken_key_account: accountIdSchema.optional(),
  limits: proposedLimitsSchema,
  actor: actorSchema,
  reason: z.string().min(3).max(500),
});
const accountStateSchema = z.strictObject({ actor: actorSchema, reason: z.string().min(3).max(500) });
const historyQuerySchema = z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(50) });

/**
 * Admin routes (`/v1/admin/...`): kill switch engage/release/state/history, accounts
 * create/list/show/disable/enable, limits read/propose/apply, Kraken key rotation, breaker reset. In AWS the caller is an IAM
 * identity whose role requires MFA; its ARN, when present, is the actor of record (the
 * body's `actor` is used only where there is none, i.e. local mode). Use-case outcomes and
 * errors become HTTP here and nowhere else (errors through {@link toAdminHttpError}).
 */
export function createAdminRouter(services: AdminServices, observers: AdminRouteObservers = {}) {
  return async function route(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
    try {
      const path = event.path.replace(/\/+$/, '');
      const method = event.httpMethod.toUpperCase();
      const person = cognitoCaller(event);
      if (person && !person.groups.includes(RISK_MANAGER_GROUP)) {
        throw new HttpError(403, 'FORBIDDEN', `signed in, but not in the ${RISK_MANAGER_GROUP} group`);
      }
      if (services.desk) {
        const read = await routeDeskReads(event, path, services.desk, services.now ?? Date.now);
        if (read) return read;
      }

      if (services.changes) {
        const change = await routeLimitChanges(event, path, services.changes, () => withActor(event));
        if (change) return change;
      }

      if (path === ROUTES.adminKillSwitch) {
        if (method === 'GET') return jsonResponse(200, { engaged: await services.killSwitch.states() });
        requireMethod(method, 'POST');
        const body = parse(engageRequestSchema, withActor(event));
        const result = await services.killSwitch.service.engage(body);
        observers.onEngaged?.(result);
        // Engaged either way; 207 tells the caller some channels (named) did not go out.
        return jsonResponse(result.outcome === 'partial' ? 207 : 200, {
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

      if (path === ROUTES.adminAccounts) {
        if (method === 'GET') return jsonResponse(200, { accounts: (await services.accounts.list()).map(accountJson) });
        requireMethod(method, 'POST');
        const body = parse(createAccountSchema, withActor(event));
        const created = await services.accounts.create({
          accountId: body.account_id,
          displayName: body.display_name,
          kind: body.kind,
          krakenKeyAccount: body.kraken_key_account,
          limits: body.limits,
          reason: body.reason,
          actor: body.actor,
        });
        return jsonResponse(201, createdJson(created));
      }
      const single = new RegExp(`^${ROUTES.adminAccounts}/([^/]+)$`).exec(path);
      if (single) {
        requireMethod(method, 'GET');
        const accountId = parse(accountIdSchema, decodeURIComponent(single[1] ?? ''));
        return jsonResponse(200, detailsJson(await services.accounts.show(accountId)));
      }

      const account = new RegExp(`^${ROUTES.adminAccounts}/([^/]+)/(.+)$`).exec(path);
      if (account) {
        const accountId = parse(accountIdSchema, decodeURIComponent(account[1] ?? ''));
        const rest = account[2] ?? '';
        if (rest === 'limits') {
          requireMethod(method, 'GET');
          const current = await services.limits.current(accountId);
          if (!current) throw new NotFoundError(`no limits for ${accountId}`);
          return jsonResponse(200, { account_id: accountId, ...current });
        }
        if (rest === 'limits/proposals') {
          requireMethod(method, 'POST');
          const body = parse(proposalSchema, withActor(event));
          const proposalId = await services.limits.propose(accountId, body.limits, body.actor, body.reason);
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
        if (rest === 'disable' || rest === 'enable') {
          requireMethod(method, 'POST');
          const body = parse(accountStateSchema, withActor(event));
          const { account: changedAccount, changed } = await services.accounts.setEnabled({
            accountId,
            enabled: rest === 'enable',
            actor: body.actor,
            reason: body.reason,
          });
          return jsonResponse(200, { account: accountJson(changedAccount), changed });
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
      return errorResponse(error, toAdminHttpError);
    }
  };
}

/** Accounts on the wire: snake_case, like every other admin body. */
function accountJson(account: AccountView) {
  return {
    account_id: account.accountId,
    display_name: account.displayName,
    kind: account.kind,
    enabled: account.enabled,
    readiness: account.readiness,
    kraken_key_account: account.krakenKeyAccount,
    limits_version: account.limitsVersion,
    created_at: account.createdAt,
  };
}

function createdJson(created: CreatedAccount) {
  return {
    account: accountJson(created.account),
    proposal_id: created.proposalId,
    kraken_key_secret: created.krakenKeySecret,
    next: 'a second, different risk manager applies the limits proposal; then store the Kraken key',
  };
}

function detailsJson(details: AccountDetails) {
  return {
    account: accountJson(details.account),
    limits: details.limits,
    pending_proposals: details.pendingProposals.map((p) => ({
      proposal_id: p.proposalId,
      limits: p.limits,
      proposed_by: p.proposedBy,
      reason: p.reason,
      proposed_at: p.proposedAt,
    })),
    kraken_key: { secret_name: details.krakenKey.secretName, status: details.krakenKey.status },
    history: details.history.map((h) => ({
      event_id: h.eventId,
      action: h.action,
      actor: h.actor,
      reason: h.reason,
      details: h.details,
      at: h.at,
    })),
  };
}

/** What the edge reports beside the answer (the Lambda handler turns it into metrics). */
export interface AdminRouteObservers {
  /** Told every engage's result, `partial` ones included. */
  readonly onEngaged?: (result: EngageResult) => void;
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
  if (body === null || typeof body !== 'object') return body;
  // A console user signed in through Cognito: the pool's user name is the actor, so a second
  // approver is a different person of the pool, whatever the body says.
  const person = cognitoCaller(event);
  if (person) return { ...(body as Record<string, unknown>), actor: person.username };
  const arn = event.requestContext?.identity?.userArn;
  if (!arn) return body;
  // Assumed-role ARNs end in the session name: the person behind the MFA session.
  const actor =
    arn
      .split('/')
      .pop()
      ?.replace(/[^A-Za-z0-9._@-]/g, '')
      .slice(0, 64) || 'unknown';
  return { ...(body as Record<string, unknown>), actor };
}

/**
 * The person behind a request the Cognito authorizer let through (the console in a stage):
 * user name and groups from the token's claims; null for IAM callers and local mode.
 */
function cognitoCaller(event: APIGatewayProxyEvent): { username: string; groups: string[] } | null {
  const claims = (event.requestContext?.authorizer as { claims?: Record<string, unknown> } | null | undefined)?.claims;
  if (!claims) return null;
  const raw = claims['cognito:username'];
  // A Cognito request without a user name would fall back to the body's `actor`, letting one
  // person act as the second approver: refused instead.
  if (typeof raw !== 'string' || raw.length === 0) {
    throw new HttpError(403, 'FORBIDDEN', 'the sign-in token names no user (cognito:username)');
  }
  const username = raw.replace(/[^A-Za-z0-9._@-]/g, '').slice(0, 64) || 'unknown';
  const groupsClaim = claims?.['cognito:groups'];
  // API Gateway REST hands the groups over as one string ("a,b" or "[a b]"); a list when mapped by hand.
  const groups = Array.isArray(groupsClaim)
    ? groupsClaim.map(String)
    : typeof groupsClaim === 'string'
      ? groupsClaim.split(/[\s,[\]]+/).filter(Boolean)
      : [];
  return { username, groups };
}
