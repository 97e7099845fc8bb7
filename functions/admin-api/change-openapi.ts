import * as z from 'zod';
import { breakerConfigSchema } from '../../shared/domain/breakers/config.js';
import { NOT_REPLAYABLE_CAUSES } from '../../shared/domain/limits/what-if.js';
import { accountLimitsSchema } from '../../shared/domain/risk/limits.js';
import { ROUTES } from '../../shared/names.js';

type JsonSchema = Record<string, unknown>;

/**
 * The OpenAPI paths of the limits what-if and the two-approver changes (issue #17), merged
 * into docs/admin-openapi.json by functions/admin-api/openapi.ts. Limits and breaker
 * configs are the zod schemas the routes check with (their refinements, such as clear below
 * trip, are enforced by the server and said in the descriptions).
 */
const inputSchema = (schema: z.ZodType): JsonSchema => {
  const { $schema: _drop, ...json } = z.toJSONSchema(schema, {
    io: 'input',
    target: 'draft-2020-12',
    unrepresentable: 'any',
  }) as JsonSchema;
  return json;
};

const text = { type: 'string' } as const;
const instant = { type: 'string', format: 'date-time' } as const;
const actor = { type: 'string', pattern: '^[A-Za-z0-9._@-]{1,64}$' } as const;
const counts = { type: 'object', additionalProperties: { type: 'integer' } } as const;
const accountIdParameter = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$' },
};
const proposalIdParameter = {
  name: 'pid',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^[0-9a-f-]{36}$' },
};
const limitQuery = {
  name: 'limit',
  in: 'query',
  required: false,
  schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
};
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (description: string, schema: JsonSchema) => ({
  description,
  content: { 'application/json': { schema } },
});
const errorsOf = (described: Record<string, string>) =>
  Object.fromEntries(Object.entries(described).map(([status, d]) => [status, json(d, ref('Error'))]));
const body = (schema: JsonSchema) => ({ required: true, content: { 'application/json': { schema } } });

const flipGroup: JsonSchema = {
  type: 'object',
  required: ['count', 'by_reason', 'examples'],
  properties: {
    count: { type: 'integer' },
    by_reason: { ...counts, description: 'Decisions per reason code (a decision counts under each of its codes)' },
    examples: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          decision_id: text,
          order_id: text,
          symbol: text,
          decided_at: instant,
          recorded: { type: 'object', properties: { decision: text, reasons: { type: 'array', items: text } } },
          proposed: { type: 'object', properties: { decision: text, reasons: { type: 'array' } } },
        },
      },
    },
  },
};

/** Component schemas the paths below name. */
export function limitChangeSchemas(): Record<string, JsonSchema> {
  return {
    AccountLimits: inputSchema(accountLimitsSchema),
    BreakerConfig: inputSchema(breakerConfigSchema),
    WhatIfReport: {
      type: 'object',
      required: ['account_id', 'from', 'to', 'totals', 'flips', 'reasons_changed', 'not_replayable'],
      properties: {
        account_id: text,
        from: instant,
        to: instant,
        totals: {
          type: 'object',
          properties: {
            decisions: { type: 'integer' },
            replayed: { type: 'integer' },
            unchanged: { type: 'integer' },
            flipped: { type: 'integer' },
            not_replayable: { type: 'integer' },
          },
        },
        flips: {
          type: 'object',
          properties: { accept_to_reject: flipGroup, reject_to_accept: flipGroup },
        },
        reasons_changed: {
          ...flipGroup,
          description: 'Rejected either way for other reasons: by_reason keys are +CODE (added) and -CODE (lifted)',
        },
        not_replayable: {
          type: 'object',
          properties: {
            count: { type: 'integer' },
            by_cause: {
              type: 'object',
              propertyNames: { enum: [...NOT_REPLAYABLE_CAUSES] },
              additionalProperties: { type: 'integer' },
            },
            examples: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  decision_id: text,
                  order_id: text,
                  decided_at: instant,
                  cause: { type: 'string', enum: [...NOT_REPLAYABLE_CAUSES] },
                  detail: text,
                },
              },
            },
          },
        },
        recorded_limits_versions: { type: 'array', items: { type: 'integer' } },
        assumptions: { type: 'array', items: text },
      },
    },
    ChangeProposal: {
      type: 'object',
      required: ['proposal_id', 'kind', 'subject', 'proposed', 'proposed_by', 'proposed_at', 'expires_at', 'status'],
      properties: {
        proposal_id: text,
        kind: { type: 'string', enum: ['limits', 'breaker_config'] },
        subject: { ...text, description: 'The account id, or the symbol (`*` for the default row)' },
        proposed: { type: 'object', description: 'The figures as the proposer sent them' },
        reason: text,
        proposed_by: text,
        proposed_at: instant,
        expires_at: instant,
        status: { type: 'string', enum: ['pending', 'applied', 'expired'] },
        base_version: { type: ['integer', 'null'], description: 'The version in force when proposed (0 = none)' },
        applied_by: { type: ['string', 'null'] },
        applied_version: { type: ['integer', 'null'] },
        what_if: {
          description: 'Limits: the attached what-if (a WhatIfReport with truncated, computed_at, computed_by)',
        },
        log: {
          type: 'array',
          description: 'Every step: propose, what_if, apply, refuse (with the refusal)',
          items: {
            type: 'object',
            properties: { event_id: text, action: text, actor: text, details: { type: 'object' }, at: instant },
          },
        },
      },
    },
  };
}

/** Paths of the what-if and of the two-approver changes. */
export function limitChangePaths(): Record<string, JsonSchema> {
  const account = `${ROUTES.adminAccounts}/{id}/limits`;
  return {
    [`${account}/what-if`]: {
      post: {
        operationId: 'limitsWhatIf',
        summary: "Replays the account's recorded decisions in [from, to) under proposed limits (changes nothing)",
        description:
          'Each decision is replayed on the state it was made on through the risk rules, first under the limits it ' +
          'was recorded with (a replay that does not give the recorded answer is listed as not replayable), then ' +
          'under the proposal. Bounded: WHAT_IF_MAX_RANGE_MS and WHAT_IF_MAX_DECISIONS.',
        parameters: [accountIdParameter],
        requestBody: body({
          type: 'object',
          additionalProperties: false,
          required: ['limits', 'from', 'to'],
          properties: { limits: ref('AccountLimits'), from: instant, to: { ...instant, description: 'after from' } },
        }),
        responses: {
          '200': json('The what-if report', ref('WhatIfReport')),
          ...errorsOf({
            '400': 'INVALID_REQUEST: limits or range malformed',
            '404': 'NOT_FOUND: no such account',
            '422': 'WHAT_IF_RANGE_TOO_LONG or WHAT_IF_TOO_MANY_DECISIONS: narrow the range',
          }),
        },
      },
    },
    [`${account}/proposals`]: {
      get: {
        operationId: 'limitsProposals',
        summary: "The account's limits proposals, newest first, with status and what-if",
        parameters: [accountIdParameter, limitQuery],
        responses: {
          '200': json('Proposals', {
            type: 'object',
            properties: { account_id: text, proposals: { type: 'array', items: ref('ChangeProposal') } },
          }),
        },
      },
      post: {
        operationId: 'proposeLimits',
        summary: 'Proposes limits; the what-if over the default lookback is attached',
        parameters: [accountIdParameter],
        requestBody: body({
          type: 'object',
          additionalProperties: false,
          required: ['limits', 'actor', 'reason'],
          properties: { limits: ref('AccountLimits'), actor, reason: { type: 'string', minLength: 3, maxLength: 500 } },
        }),
        responses: {
          '201': json('Proposed', { type: 'object', properties: { proposal_id: text } }),
          ...errorsOf({ '400': 'INVALID_REQUEST', '404': 'NOT_FOUND: no such account' }),
        },
      },
    },
    [`${account}/proposals/{pid}`]: {
      get: {
        operationId: 'limitsProposal',
        summary: 'One proposal with its what-if and every step of its log',
        parameters: [accountIdParameter, proposalIdParameter],
        responses: { '200': json('The proposal', ref('ChangeProposal')), ...errorsOf({ '404': 'NOT_FOUND' }) },
      },
    },
    [`${account}/proposals/{pid}/what-if`]: {
      post: {
        operationId: 'attachLimitsWhatIf',
        summary: 'Attaches (replaces) the what-if of a pending proposal, over the range given or the default lookback',
        parameters: [accountIdParameter, proposalIdParameter],
        requestBody: body({
          type: 'object',
          additionalProperties: false,
          required: ['actor'],
          properties: { actor, from: instant, to: instant },
        }),
        responses: {
          '200': json('The proposal', ref('ChangeProposal')),
          ...errorsOf({
            '404': 'NOT_FOUND',
            '409': 'IDEMPOTENCY_CONFLICT: already applied',
            '422': 'WHAT_IF_RANGE_TOO_LONG',
          }),
        },
      },
    },
    [`${account}/proposals/{pid}/apply`]: {
      post: {
        operationId: 'applyLimits',
        summary: 'A second, different risk manager applies the proposal as the next limits version',
        parameters: [accountIdParameter, proposalIdParameter],
        requestBody: body({ type: 'object', additionalProperties: false, required: ['actor'], properties: { actor } }),
        responses: {
          '200': json('Applied', { type: 'object', properties: { account_id: text, version: { type: 'integer' } } }),
          ...errorsOf({
            '404': 'NOT_FOUND',
            '409':
              'SECOND_APPROVER_REQUIRED (the proposer), PROPOSAL_EXPIRED, PROPOSAL_SUPERSEDED (another change applied ' +
              'since), WHAT_IF_REQUIRED, IDEMPOTENCY_CONFLICT (already applied)',
          }),
        },
      },
    },
    [ROUTES.adminBreakerConfig]: {
      get: {
        operationId: 'breakerConfigs',
        summary: 'Breaker thresholds in force: the newest version per symbol (`*` is the default row)',
        responses: {
          '200': json('In force', {
            type: 'object',
            properties: {
              configs: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    symbol: text,
                    version: { type: 'integer' },
                    config: ref('BreakerConfig'),
                    created_by: text,
                    created_at: instant,
                  },
                },
              },
            },
          }),
        },
      },
    },
    [`${ROUTES.adminBreakerConfig}/proposals`]: {
      get: {
        operationId: 'breakerConfigProposals',
        summary: 'Breaker threshold proposals, newest first',
        parameters: [limitQuery],
        responses: {
          '200': json('Proposals', {
            type: 'object',
            properties: { proposals: { type: 'array', items: ref('ChangeProposal') } },
          }),
        },
      },
      post: {
        operationId: 'proposeBreakerConfig',
        summary: "Proposes a symbol's breaker thresholds (the whole config; clear levels below trip levels)",
        requestBody: body({
          type: 'object',
          additionalProperties: false,
          required: ['symbol', 'config', 'actor', 'reason'],
          properties: {
            symbol: { type: 'string', pattern: '^(\\*|[A-Z0-9]+/[A-Z0-9]+)$' },
            config: ref('BreakerConfig'),
            actor,
            reason: { type: 'string', minLength: 3, maxLength: 500 },
          },
        }),
        responses: { '201': json('Proposed', ref('ChangeProposal')), ...errorsOf({ '400': 'INVALID_REQUEST' }) },
      },
    },
    [`${ROUTES.adminBreakerConfig}/proposals/{pid}`]: {
      get: {
        operationId: 'breakerConfigProposal',
        summary: 'One breaker proposal with its log',
        parameters: [proposalIdParameter],
        responses: { '200': json('The proposal', ref('ChangeProposal')), ...errorsOf({ '404': 'NOT_FOUND' }) },
      },
    },
    [`${ROUTES.adminBreakerConfig}/proposals/{pid}/apply`]: {
      post: {
        operationId: 'applyBreakerConfig',
        summary: 'A second, different risk manager applies it as the next breaker_config version of its symbol',
        parameters: [proposalIdParameter],
        requestBody: body({ type: 'object', additionalProperties: false, required: ['actor'], properties: { actor } }),
        responses: {
          '200': json('Applied', {
            type: 'object',
            properties: { symbol: text, version: { type: 'integer' }, applied_by: text },
          }),
          ...errorsOf({
            '404': 'NOT_FOUND',
            '409': 'SECOND_APPROVER_REQUIRED, PROPOSAL_EXPIRED, PROPOSAL_SUPERSEDED, IDEMPOTENCY_CONFLICT',
          }),
        },
      },
    },
  };
}
