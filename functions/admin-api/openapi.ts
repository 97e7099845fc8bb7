import { REASON_CODES } from '../../shared/domain/reasons.js';
import { METRICS, ROUTES } from '../../shared/names.js';
import { limitChangePaths, limitChangeSchemas } from './change-openapi.js';

type JsonSchema = Record<string, unknown>;

const text = { type: 'string' } as const;
const nullableText = { type: ['string', 'null'] } as const;
const decimal = { type: 'string', description: 'exact decimal' } as const;
const accountId = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$' } as const;
const error: JsonSchema = {
  type: 'object',
  required: ['code', 'message'],
  properties: { code: text, message: text, issues: { type: 'array' } },
};
const errors = (described: Record<string, string>) =>
  Object.fromEntries(
    Object.entries(described).map(([status, description]) => [
      status,
      { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
    ]),
  );
const ok = (description: string, schema: JsonSchema) => ({
  '200': { description, content: { 'application/json': { schema } } },
});

const symbolStatus: JsonSchema = {
  type: 'object',
  required: ['symbol', 'mark', 'reference', 'breaker', 'in_universe'],
  properties: {
    symbol: text,
    mark: {
      type: ['object', 'null'],
      description: 'null when the cache holds no readable mark (the risk API then rejects the symbol)',
      properties: {
        bid: decimal,
        ask: decimal,
        mid: decimal,
        spread_bps: decimal,
        age_ms: { type: 'integer', description: 'now minus the later of receive and verification time' },
        live: { type: 'boolean', description: 'false while the ingester resyncs the book' },
      },
    },
    reference: { type: ['object', 'null'], properties: { price: decimal, age_ms: { type: 'integer' } } },
    breaker: {
      type: 'object',
      properties: {
        state: { type: 'string', enum: ['tripped', 'clear'] },
        causes: { type: 'array', items: { type: 'string', enum: ['volatility', 'spread', 'depeg', 'deviation'] } },
        reason: nullableText,
        since: nullableText,
      },
    },
    in_universe: { type: 'boolean' },
  },
};

/**
 * The OpenAPI paths of the admin API's desk reads (the risk desk console's routes beyond the
 * control routes), written into docs/admin-openapi.json by `npm run openapi` beside the risk
 * API's document. Every admin route is served twice in a stage: IAM (SigV4) for machines and
 * the CLI, a Cognito ID token for people through the console.
 */
export function buildAdminOpenApi(): JsonSchema {
  return {
    openapi: '3.1.0',
    info: {
      title: 'risk-gate admin API: risk desk reads',
      version: '1.0.0',
      description:
        'Read-only routes of the admin API the risk desk console uses (docs: README, "The risk desk console"). ' +
        'IAM (SigV4) on the trading API for machines; a Cognito ID token of the risk-manager group on the ' +
        "console's API for people (403 FORBIDDEN for a signed-in user outside the group).",
    },
    servers: [{ url: '/', description: 'The stage URL of either API, the console distribution, or local mode' }],
    paths: {
      [ROUTES.adminMarket]: {
        get: {
          operationId: 'marketOverview',
          summary:
            'Per symbol: the mark, spread and data age the risk API judges by, the reference price and the breaker',
          responses: {
            ...ok('The overview', {
              type: 'object',
              required: ['as_of', 'feed', 'symbols'],
              properties: {
                as_of: text,
                feed: {
                  type: ['object', 'null'],
                  properties: {
                    status: { type: 'string', enum: ['live', 'degraded', 'stale'] },
                    reason: text,
                    since: text,
                  },
                },
                symbols: { type: 'array', items: symbolStatus },
              },
            }),
            ...errors({ '403': 'Signed in outside the risk-manager group', '503': 'The cache did not answer' }),
          },
        },
      },
      [ROUTES.adminDecisions]: {
        get: {
          operationId: 'decisionStream',
          summary: 'Recorded decisions across accounts (the last day), newest first, filtered',
          parameters: [
            { name: 'account_id', in: 'query', required: false, schema: accountId },
            { name: 'symbol', in: 'query', required: false, schema: { type: 'string', maxLength: 24 } },
            { name: 'decision', in: 'query', required: false, schema: { type: 'string', enum: ['accept', 'reject'] } },
            { name: 'reason', in: 'query', required: false, schema: { type: 'string', enum: [...REASON_CODES] } },
            {
              name: 'after',
              in: 'query',
              required: false,
              description: 'Only decisions after this instant (for polling the stream)',
              schema: { type: 'string', format: 'date-time' },
            },
            {
              name: 'limit',
              in: 'query',
              required: false,
              schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
            },
          ],
          responses: {
            ...ok('Decisions', {
              type: 'object',
              required: ['decisions'],
              properties: {
                decisions: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      decision_id: text,
                      decided_at: text,
                      account_id: text,
                      order_id: text,
                      symbol: text,
                      decision: { type: 'string', enum: ['accept', 'reject'] },
                      reason_codes: { type: 'array', items: text },
                      limits_version: { type: ['integer', 'null'] },
                      latency_ms: { type: ['number', 'null'] },
                    },
                  },
                },
              },
            }),
            ...errors({ '400': 'A filter is malformed', '403': 'Signed in outside the risk-manager group' }),
          },
        },
      },
      [ROUTES.adminMetrics]: {
        get: {
          operationId: 'metricSeries',
          summary: "A metric's series as the dashboards chart it (CloudWatch in a stage, local metrics locally)",
          parameters: [
            { name: 'metric', in: 'query', required: true, schema: { type: 'string', enum: Object.values(METRICS) } },
            {
              name: 'stat',
              in: 'query',
              required: true,
              schema: { type: 'string', enum: ['Sum', 'Average', 'Maximum', 'Minimum', 'p99', 'p50'] },
            },
            {
              name: 'dimension',
              in: 'query',
              required: false,
              description: 'The dimension to split by (one series per value)',
              schema: { type: 'string', pattern: '^[a-z_]{1,32}$' },
            },
            {
              name: 'minutes',
              in: 'query',
              required: false,
              schema: { type: 'integer', minimum: 1, maximum: 180, default: 15 },
            },
            {
              name: 'period',
              in: 'query',
              required: false,
              schema: { type: 'integer', minimum: 10, maximum: 3600, default: 60 },
            },
          ],
          responses: {
            ...ok('Series, oldest point first', {
              type: 'object',
              properties: {
                metric: text,
                stat: text,
                period: { type: 'integer' },
                series: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      label: text,
                      points: {
                        type: 'array',
                        items: { type: 'object', properties: { t: { type: 'integer' }, v: { type: 'number' } } },
                      },
                    },
                  },
                },
              },
            }),
            ...errors({
              '400': 'Unknown metric or malformed query',
              '403': 'Signed in outside the risk-manager group',
            }),
          },
        },
      },
      [`${ROUTES.adminAccounts}/{id}/exposure`]: {
        get: {
          operationId: 'adminAccountExposure',
          summary: "An account's exposure and headroom per limit, as GET /v1/risk/accounts/{id}/exposure measures it",
          parameters: [{ name: 'id', in: 'path', required: true, schema: accountId }],
          responses: {
            '200': { description: 'The exposure (the `Exposure` schema of docs/openapi.json)' },
            ...errors({
              '400': 'The account id is malformed',
              '403': 'Signed in outside the risk-manager group',
              '404': 'No limits for the account',
              '503': 'A store did not answer; retry',
            }),
          },
        },
      },
      // Issue #17: the limits what-if and two-approver limit and breaker changes.
      ...limitChangePaths(),
    },
    components: {
      schemas: { Error: error, ...limitChangeSchemas() },
      securitySchemes: {
        sigv4: {
          type: 'apiKey',
          name: 'Authorization',
          in: 'header',
          description: 'AWS Signature Version 4 (service `execute-api`), the trading API stage',
          'x-amazon-apigateway-authtype': 'awsSigv4',
        },
        cognito: {
          type: 'apiKey',
          name: 'Authorization',
          in: 'header',
          description: "A Cognito ID token of the console user pool (risk-manager group), the console's API",
          'x-amazon-apigateway-authtype': 'cognito_user_pools',
        },
      },
    },
    security: [{ sigv4: [] }, { cognito: [] }],
  };
}
