import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import { NotFoundError } from '../../shared/domain/errors.js';
import { accountIdSchema, symbolSchema } from '../../shared/domain/order.js';
import { REASON_CODES } from '../../shared/domain/reasons.js';
import { METRICS, ROUTES } from '../../shared/names.js';
import { HttpError, jsonResponse, validationErrorFrom } from '../../shared/runtime/http.js';
import type { DeskReads } from './desk-reads.js';

export const decisionFeedQuerySchema = z.strictObject({
  account_id: accountIdSchema.optional(),
  symbol: symbolSchema.optional(),
  decision: z.enum(['accept', 'reject']).optional(),
  reason: z.enum(REASON_CODES).optional(),
  after: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const metricNames = Object.values(METRICS) as [string, ...string[]];
export const metricsQuerySchema = z.strictObject({
  metric: z.enum(metricNames),
  stat: z.enum(['Sum', 'Average', 'Maximum', 'Minimum', 'p99', 'p50']),
  dimension: z
    .string()
    .regex(/^[a-z_]{1,32}$/)
    .optional(),
  minutes: z.coerce.number().int().min(1).max(180).default(15),
  period: z.coerce.number().int().min(10).max(3600).default(60),
});

const EXPOSURE = new RegExp(`^${ROUTES.adminAccounts}/([^/]+)/exposure$`);

/**
 * The console's read routes (`GET /v1/admin/market|decisions|metrics`,
 * `GET /v1/admin/accounts/{id}/exposure`); null for any
 * other path, which the admin router then handles. Reads only: GET or 405.
 */
export async function routeDeskReads(
  event: APIGatewayProxyEvent,
  path: string,
  reads: DeskReads,
  now: () => number,
): Promise<APIGatewayProxyResult | null> {
  const exposure = EXPOSURE.exec(path);
  if (!exposure && path !== ROUTES.adminMarket && path !== ROUTES.adminDecisions && path !== ROUTES.adminMetrics) {
    return null;
  }
  if (event.httpMethod.toUpperCase() !== 'GET') throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'use GET');
  if (exposure) {
    const accountId = parse(accountIdSchema, decodeURIComponent(exposure[1] ?? ''));
    const view = await reads.exposure(accountId);
    if (!view) throw new NotFoundError(`no limits for ${accountId}`);
    return jsonResponse(200, view);
  }
  const query = event.queryStringParameters ?? {};
  if (path === ROUTES.adminMarket) return jsonResponse(200, await reads.market.overview(now()));
  if (path === ROUTES.adminDecisions) {
    const q = parse(decisionFeedQuerySchema, query);
    const decisions = await reads.decisions.recent({
      accountId: q.account_id,
      symbol: q.symbol,
      decision: q.decision,
      reason: q.reason,
      after: q.after,
      limit: q.limit,
    });
    return jsonResponse(200, { decisions });
  }
  const q = parse(metricsQuerySchema, query);
  const series = await reads.metrics.series(
    { metric: q.metric, stat: q.stat, dimension: q.dimension, minutes: q.minutes, periodSeconds: q.period },
    now(),
  );
  return jsonResponse(200, { metric: q.metric, stat: q.stat, period: q.period, series });
}

function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationErrorFrom(result.error.issues);
  return result.data;
}
