import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import { type BreakerConfigInput, breakerConfigSchema } from '../../shared/domain/breakers/config.js';
import { accountIdSchema } from '../../shared/domain/order.js';
import { type AccountLimitsInput, accountLimitsSchema } from '../../shared/domain/risk/limits.js';
import { ROUTES } from '../../shared/names.js';
import { HttpError, jsonResponse, validationErrorFrom } from '../../shared/runtime/http.js';
import type { LimitChanges } from './limit-changes.js';

const actorSchema = z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/);
const instant = z.iso.datetime({ offset: true });
const rangeShape = { from: instant, to: instant };
const rangeInOrder = (r: { from?: string; to?: string }) =>
  r.from === undefined || r.to === undefined || Date.parse(r.from) < Date.parse(r.to);
const RANGE_ORDER = { message: 'from must be before to', path: ['to'] };

/** Checked against a schema, kept as sent (no defaults filled): what a proposal records. */
function keptAsSent<T>(schema: z.ZodType) {
  return z.unknown().transform((value, ctx): T => {
    const checked = schema.safeParse(value);
    if (!checked.success) {
      for (const issue of checked.error.issues) ctx.addIssue(issue as never);
      return z.NEVER;
    }
    return value as T;
  });
}

export const whatIfRequestSchema = z
  .strictObject({ limits: keptAsSent<AccountLimitsInput>(accountLimitsSchema), ...rangeShape })
  .refine(rangeInOrder, RANGE_ORDER);
export const attachWhatIfSchema = z
  .strictObject({ actor: actorSchema, from: instant.optional(), to: instant.optional() })
  .refine((r) => (r.from === undefined) === (r.to === undefined), {
    message: 'give both from and to, or neither',
    path: ['to'],
  })
  .refine(rangeInOrder, RANGE_ORDER);
export const breakerProposalSchema = z.strictObject({
  symbol: z.union([z.literal('*'), z.string().regex(/^[A-Z0-9]+\/[A-Z0-9]+$/)]),
  config: keptAsSent<BreakerConfigInput>(breakerConfigSchema),
  actor: actorSchema,
  reason: z.string().min(3).max(500),
});
const applySchema = z.strictObject({ actor: actorSchema });
const listQuerySchema = z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) });

const PROPOSAL_ID = '([0-9a-f-]{36})';
const accountPath = new RegExp(
  `^${ROUTES.adminAccounts}/([^/]+)/limits/(what-if|proposals(?:/${PROPOSAL_ID}(?:/what-if)?)?)$`,
);
const breakerPath = new RegExp(`^${ROUTES.adminBreakerConfig}(?:/proposals(?:/${PROPOSAL_ID}(/apply)?)?)?$`);

/**
 * The limits what-if and the two-approver change routes (issue #17); null for any other
 * path, which the admin router then handles (the proposal and apply of limits stay there,
 * on the same use case through `services.limits`):
 *
 * - `POST /v1/admin/accounts/{id}/limits/what-if` {limits, from, to}: the replay report.
 * - `GET  /v1/admin/accounts/{id}/limits/proposals[/{pid}]`: proposals with status, what-if, log.
 * - `POST /v1/admin/accounts/{id}/limits/proposals/{pid}/what-if` {actor, from?, to?}: attach another.
 * - `GET  /v1/admin/breakers/config`: thresholds in force; `GET|POST .../proposals`,
 *   `GET .../proposals/{pid}`, `POST .../proposals/{pid}/apply` {actor}.
 */
export async function routeLimitChanges(
  event: APIGatewayProxyEvent,
  path: string,
  changes: LimitChanges,
  body: () => unknown,
): Promise<APIGatewayProxyResult | null> {
  const method = event.httpMethod.toUpperCase();
  const query = event.queryStringParameters ?? {};

  const account = accountPath.exec(path);
  if (account) {
    const accountId = parse(accountIdSchema, decodeURIComponent(account[1] ?? ''));
    const [rest, proposalId] = [account[2] ?? '', account[3]];
    if (rest === 'what-if') {
      requireMethod(method, 'POST');
      const request = parse(whatIfRequestSchema, body());
      return jsonResponse(200, await changes.whatIf(accountId, request.limits, { from: request.from, to: request.to }));
    }
    if (rest === 'proposals') {
      // POST (propose) belongs to the admin router.
      if (method !== 'GET') return null;
      const { limit } = parse(listQuerySchema, query);
      return jsonResponse(200, { account_id: accountId, proposals: await changes.limitsProposals(accountId, limit) });
    }
    if (proposalId && rest.endsWith('/what-if')) {
      requireMethod(method, 'POST');
      const request = parse(attachWhatIfSchema, body());
      const range = request.from && request.to ? { from: request.from, to: request.to } : undefined;
      return jsonResponse(200, await changes.attachWhatIf(accountId, proposalId, request.actor, range));
    }
    if (proposalId) {
      requireMethod(method, 'GET');
      return jsonResponse(200, await changes.limitsProposal(accountId, proposalId));
    }
  }

  const breaker = breakerPath.exec(path);
  if (breaker) {
    const [proposalId, apply] = [breaker[1], breaker[2]];
    if (path === ROUTES.adminBreakerConfig) {
      requireMethod(method, 'GET');
      return jsonResponse(200, { configs: await changes.breakerConfigs() });
    }
    if (!proposalId) {
      if (method === 'GET') {
        const { limit } = parse(listQuerySchema, query);
        return jsonResponse(200, { proposals: await changes.breakerProposals(limit) });
      }
      requireMethod(method, 'POST');
      const request = parse(breakerProposalSchema, body());
      return jsonResponse(
        201,
        await changes.proposeBreakerConfig(request.symbol, request.config, request.actor, request.reason),
      );
    }
    if (apply) {
      requireMethod(method, 'POST');
      const { actor } = parse(applySchema, body());
      const { subject, version } = await changes.applyBreakerConfig(proposalId, actor);
      return jsonResponse(200, { symbol: subject, version, applied_by: actor });
    }
    requireMethod(method, 'GET');
    return jsonResponse(200, await changes.breakerProposal(proposalId));
  }
  return null;
}

function requireMethod(actual: string, expected: string): void {
  if (actual !== expected) throw new HttpError(405, 'METHOD_NOT_ALLOWED', `use ${expected}`);
}

function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationErrorFrom(result.error.issues);
  return result.data;
}
