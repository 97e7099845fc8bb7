import { z } from 'zod';
import { decisionResponseSchema, orderRequestSchema } from '../../shared/domain/order.js';
import { REASON_CODES, REQUEST_ERROR_CODES } from '../../shared/domain/reasons.js';
import { ROUTES } from '../../shared/names.js';
import { decisionsQuerySchema } from './router.js';

/**
 * The API contract generated from the same zod schemas the handler parses with, so the
 * document cannot drift from the code: docs/openapi.json is written by `npm run openapi`
 * and a test fails when the committed file differs from what this builds.
 */
type JsonSchema = Record<string, unknown>;

/** JSON Schema (draft-04) of the request body, for API Gateway's request validator model. */
export function orderRequestModelSchema(): JsonSchema {
  return z.toJSONSchema(orderRequestSchema, { io: 'input', target: 'draft-4', unrepresentable: 'any' }) as JsonSchema;
}

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const json = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' }) as JsonSchema;
  delete json.$schema;
  return json;
}

const errorSchema: JsonSchema = {
  type: 'object',
  required: ['code', 'message'],
  properties: {
    code: { type: 'string', enum: [...REQUEST_ERROR_CODES] },
    message: { type: 'string' },
    issues: {
      type: 'array',
      items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } },
    },
  },
};

const errorResponses = {
  '400': {
    description: 'Malformed request: `code` INVALID_JSON or INVALID_REQUEST, `issues` names each field at fault',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  },
  '403': { description: 'Missing or invalid SigV4 signature (API Gateway IAM auth)' },
  '429': { description: 'Throttled by the usage plan or WAF rate rule' },
  '503': {
    description: 'SERVICE_UNAVAILABLE (only for reads; validation fails closed with a reject instead)',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  },
};

export function buildOpenApi(): JsonSchema {
  return {
    openapi: '3.1.0',
    info: {
      title: 'risk-gate API',
      version: '1.0.0',
      description:
        'Pre-trade risk validation for Kraken USD spot orders. Amounts are decimal strings. ' +
        'Every route is IAM (SigV4) authenticated through API Gateway. A decision is a 200 with ' +
        '`decision` accept or reject; when the gate cannot decide (state unavailable) it rejects ' +
        'with RISK_STATE_UNAVAILABLE rather than erroring.',
    },
    paths: {
      [ROUTES.validate]: {
        post: {
          operationId: 'validateOrder',
          summary: 'May this order go out?',
          description:
            'Idempotent per (account_id, order_id): the same body returns the stored decision; a different body ' +
            'with a used order_id is rejected with DUPLICATE_ORDER_ID.',
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/OrderRequest' } } },
          },
          responses: {
            '200': {
              description: 'The decision',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Decision' } } },
            },
            '413': { description: 'PAYLOAD_TOO_LARGE' },
            '415': { description: 'UNSUPPORTED_MEDIA_TYPE' },
            ...errorResponses,
          },
        },
      },
      [ROUTES.decisions]: {
        get: {
          operationId: 'recentDecisions',
          summary: 'Recent decisions of an account, newest first',
          parameters: [
            { name: 'account_id', in: 'query', required: true, schema: { type: 'string' } },
            {
              name: 'limit',
              in: 'query',
              required: false,
              schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
            },
          ],
          responses: {
            '200': {
              description: 'Decisions',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      account_id: { type: 'string' },
                      decisions: { type: 'array', items: { $ref: '#/components/schemas/Decision' } },
                    },
                  },
                },
              },
            },
            ...errorResponses,
          },
        },
      },
      [ROUTES.health]: {
        get: {
          operationId: 'health',
          summary: 'Whether the gate can decide (Redis reachable); 503 when it would reject everything',
          responses: { '200': { description: 'ok' }, '503': { description: 'degraded' } },
        },
      },
    },
    components: {
      schemas: {
        OrderRequest: schemaOf(orderRequestSchema, 'input'),
        Decision: schemaOf(decisionResponseSchema, 'output'),
        DecisionsQuery: schemaOf(decisionsQuerySchema, 'input'),
        ReasonCode: { type: 'string', enum: [...REASON_CODES] },
        Error: errorSchema,
      },
      securitySchemes: {
        sigv4: { type: 'apiKey', name: 'Authorization', in: 'header', 'x-amazon-apigateway-authtype': 'awsSigv4' },
      },
    },
    security: [{ sigv4: [] }],
  };
}
