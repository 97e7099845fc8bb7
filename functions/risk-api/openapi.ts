import * as z from 'zod';
import {
  accountIdSchema,
  decimalString,
  decisionResponseSchema,
  intentSchema,
  ORDER_TYPE_RULES,
  ORDER_TYPES,
  type OrderType,
  orderIdSchema,
  sideSchema,
  symbolSchema,
  timeInForceSchema,
  triggerReferenceSchema,
} from '../../shared/domain/order.js';
import { REASON_CODES, REQUEST_ERROR_CODES, type RequestErrorCode } from '../../shared/domain/reasons.js';
import { ROUTES } from '../../shared/names.js';

/**
 * The API contract, built from the same zod schemas and rule tables the handler parses with,
 * so the document cannot drift from the code: docs/openapi.json is written by
 * `npm run openapi` and a test fails when the committed file differs from what this builds.
 *
 * zod's own JSON Schema export keeps the fields but drops every refinement (a quantity
 * must be > 0, what each order type requires, gtd needs expire_time...), so a client
 * generated from it sent requests the server refuses. The request bodies are therefore
 * composed here: leaf patterns come from the zod field schemas, cross-field rules from
 * ORDER_TYPE_RULES, and each is stated with JSON Schema draft-04 keywords only (oneOf,
 * anyOf, allOf, not, enum, pattern), because the same schema is API Gateway's request
 * model (draft-04: no const, no if/then) and a property-based test (schemathesis, in
 * test/contract/) checks that the server accepts every body this schema admits and refuses
 * every body it does not.
 *
 * One rule is beyond JSON Schema, because it compares two fields' values: an iceberg's
 * display_qty must lie between quantity/15 and quantity. It is stated in the field's
 * description and in `x-constraints`.
 */
type JsonSchema = Record<string, unknown>;

/**
 * A zod field schema's pattern and length bounds, written for every reader. zod emits `\d`,
 * which is ASCII-only in ECMA-262 (what the server runs) but matches every Unicode digit in
 * Python's and Java's engines; `[0-9]` means the same to all of them.
 */
function leaf(schema: z.ZodType): JsonSchema {
  const json = z.toJSONSchema(schema, { io: 'input', target: 'draft-4', unrepresentable: 'any' }) as JsonSchema;
  delete json.$schema;
  delete json.default;
  if (typeof json.pattern === 'string') json.pattern = asciiDigits(json.pattern);
  return json;
}

function asciiDigits(pattern: string): string {
  return pattern.replaceAll('\\d', '[0-9]');
}

/** Pattern and length from the zod schema, plus the bounds the pattern implies, said plainly. */
function withLength(schema: JsonSchema, minLength: number, maxLength: number, description: string): JsonSchema {
  return { ...schema, minLength, maxLength, description };
}

const decimalLeaf = leaf(decimalString);
const DECIMAL_PATTERN = decimalLeaf.pattern as string;

/**
 * A decimal string > 0: the server's decimal pattern with a look-ahead requiring a non-zero
 * digit ("0", "0.000" and "00" are refused). JSON Schema has no exclusiveMinimum for strings.
 */
export const POSITIVE_DECIMAL_PATTERN = `^(?=[0-9.]*[1-9])${DECIMAL_PATTERN.slice(1)}`;
/** A positive percentage below 100: a trailing trigger's `pct` distance. */
export const PERCENT_BELOW_100_PATTERN = '^(?=[0-9.]*[1-9])0{0,22}[0-9]{1,2}(\\.[0-9]{1,18})?$';

const nonNegativeDecimal = (description: string): JsonSchema => ({
  ...decimalLeaf,
  description: `${description} Decimal string, at most 24 integer and 18 fractional digits, no sign or exponent.`,
});
const positiveDecimal = (description: string): JsonSchema => ({
  ...decimalLeaf,
  pattern: POSITIVE_DECIMAL_PATTERN,
  description: `${description} Decimal string > 0, at most 24 integer and 18 fractional digits, no sign or exponent.`,
});
const enumOf = (values: readonly (string | boolean)[], description?: string): JsonSchema => ({
  type: typeof values[0] === 'boolean' ? 'boolean' : 'string',
  enum: [...values],
  ...(description ? { description } : {}),
});

const accountId = withLength(
  leaf(accountIdSchema),
  1,
  64,
  'The trading account (1-64 of A-Z a-z 0-9 _ -, starting with a letter or digit).',
);
const orderId = withLength(
  leaf(orderIdSchema),
  1,
  128,
  "The order's `cl_ord_id`: the client order id the strategy sends to Kraken with this order " +
    "(1-128 printable ASCII characters, no space). Kraken's executions carry it back, which is how " +
    'they find this decision; an order sent to Kraken under another id is reported as unvetted.',
);
const symbol = withLength(leaf(symbolSchema), 4, 24, 'Kraken WebSocket v2 symbol, `BASE/QUOTE`, e.g. `BTC/USD`.');
const expireTime: JsonSchema = {
  ...leaf(z.iso.datetime({ offset: true })),
  description:
    'gtd only: when Kraken drops the order. RFC 3339 with seconds and a zone (`Z` or `+hh:mm`), e.g. `2026-12-01T12:00:00Z`.',
};

/** The fields every new order may carry, whatever its type. */
function commonOrderProperties(type: OrderType): Record<string, JsonSchema> {
  return {
    account_id: accountId,
    order_id: orderId,
    action: enumOf(['new'], 'Absent or `new`: a new order.'),
    symbol,
    side: enumOf(sideSchema.options),
    type: enumOf([type]),
    quantity: positiveDecimal('Order quantity in the base asset.'),
    reduce_only: enumOf([true, false], "Kraken's reduce_only flag; the gate treats it like intent `reduce`."),
    time_in_force: enumOf(
      type === 'market' ? ['gtc', 'ioc'] : timeInForceSchema.options,
      'Default `gtc`. `gtd` needs `expire_time`' + (type === 'market' ? ' and is refused for market orders.' : '.'),
    ),
    expire_time: expireTime,
    intent: enumOf(
      intentSchema.options,
      'Default `open`. `reduce` only shrinks a position; `hedge` offsets risk held elsewhere.',
    ),
    var_95: nonNegativeDecimal("Caller's VaR(95%) figure: only tightens the check (the gate uses the larger)."),
    projected_fee: nonNegativeDecimal("Caller's fee estimate: only tightens the fee budget check."),
    projected_loss: nonNegativeDecimal("Caller's loss estimate: only tightens the loss cap check."),
  };
}

const NEW_ORDER_REQUIRED = ['account_id', 'order_id', 'symbol', 'side', 'type', 'quantity'] as const;

/** `time_in_force: gtd` if and only if `expire_time` is present (absent time_in_force is gtc). */
const gtdNeedsExpireTime: JsonSchema = {
  anyOf: [
    { properties: { time_in_force: enumOf(['gtd']) }, required: ['time_in_force', 'expire_time'] },
    { properties: { time_in_force: enumOf(['gtc', 'ioc']) }, not: { required: ['expire_time'] } },
  ],
};

/** A post-only order must rest on the book, which an IOC never does. */
const postOnlyNotIoc: JsonSchema = {
  not: {
    properties: { post_only: enumOf([true]), time_in_force: enumOf(['ioc']) },
    required: ['post_only', 'time_in_force'],
  },
};

/** A trailing distance in percent must stay below 100. */
const pctBelow100: JsonSchema = {
  anyOf: [
    { properties: { trigger_price_type: enumOf(['quote']) } },
    {
      properties: {
        trigger_price_type: enumOf(['pct']),
        trigger_price: { type: 'string', pattern: PERCENT_BELOW_100_PATTERN },
      },
    },
  ],
};

/** The schema of a new order of one type: exactly the fields and combinations it admits. */
function orderVariant(type: OrderType): JsonSchema {
  const rules = ORDER_TYPE_RULES[type];
  const properties = commonOrderProperties(type);
  const required: string[] = [...NEW_ORDER_REQUIRED];
  const conditions: JsonSchema[] = [gtdNeedsExpireTime];
  if (rules.limitPrice) {
    properties.limit_price = positiveDecimal('Limit price in USD.');
    required.push('limit_price');
  }
  if (rules.trigger) {
    properties.trigger_reference = enumOf(
      triggerReferenceSchema.options,
      "What the trigger watches: Kraken's last trade price, or the index.",
    );
    if (rules.trailing) {
      properties.trigger_price = positiveDecimal(
        'Trailing distance from the peak: a percentage below 100 (`pct`) or USD (`quote`).',
      );
      properties.trigger_price_type = enumOf(['pct', 'quote'], 'A trailing trigger is a distance: `pct` or `quote`.');
      required.push('trigger_price', 'trigger_price_type');
      conditions.push(pctBelow100);
    } else {
      properties.trigger_price = positiveDecimal('Absolute trigger price in USD.');
      properties.trigger_price_type = enumOf(['static'], 'Default `static`: the trigger is an absolute price.');
      required.push('trigger_price');
    }
  }
  if (type === 'iceberg') {
    properties.display_qty = {
      ...positiveDecimal('The quantity shown on the book.'),
      description:
        'The quantity shown on the book: at most `quantity` and at least `quantity`/15 (Kraken minimum). ' +
        'Decimal string > 0, at most 24 integer and 18 fractional digits.',
    };
    required.push('display_qty');
  }
  if (rules.postOnly) {
    properties.post_only = enumOf([true, false], 'Maker only: Kraken cancels it rather than take liquidity.');
    conditions.push(postOnlyNotIoc);
  } else {
    properties.post_only = enumOf([false], `Default false; only limit and iceberg orders may be post-only.`);
  }
  return {
    title: `${type} order`,
    type: 'object',
    properties,
    required,
    additionalProperties: false,
    allOf: conditions,
    ...(type === 'iceberg' ? { 'x-constraints': ['display_qty <= quantity', 'display_qty * 15 >= quantity'] } : {}),
  };
}

/**
 * An amend of an order the gate accepted: the new total quantity and/or prices, checked
 * against the order's reservation or working quantity (amendRequestSchema).
 */
function amendRequest(): JsonSchema {
  const changes = ['quantity', 'limit_price', 'trigger_price', 'display_qty'] as const;
  return {
    title: 'amend',
    type: 'object',
    properties: {
      account_id: accountId,
      order_id: { ...orderId, description: 'The `cl_ord_id` of the order being amended (as validated).' },
      action: enumOf(['amend']),
      symbol: { ...symbol, description: "The order's symbol: which book to load; must match the original order." },
      quantity: positiveDecimal('New total order quantity (Kraken amend `order_qty`), filled part included.'),
      limit_price: positiveDecimal('New limit price.'),
      trigger_price: positiveDecimal("New trigger price (or trailing distance, in the order's units)."),
      display_qty: positiveDecimal('New iceberg display quantity.'),
    },
    required: ['account_id', 'order_id', 'action', 'symbol'],
    additionalProperties: false,
    // An amend changes something: at least one of the four.
    anyOf: changes.map((field) => ({ required: [field] })),
  };
}

/** A cancel: always allowed (it only lowers risk), and recorded (cancelRequestSchema). */
function cancelRequest(): JsonSchema {
  return {
    title: 'cancel',
    type: 'object',
    properties: {
      account_id: accountId,
      order_id: { ...orderId, description: 'The `cl_ord_id` of the order being canceled.' },
      action: enumOf(['cancel']),
      symbol: { ...symbol, description: "Optional: the order's symbol, saving the store a lookup." },
    },
    required: ['account_id', 'order_id', 'action'],
    additionalProperties: false,
  };
}

const variantName = (type: OrderType): string =>
  `OrderRequest${type
    .split('-')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('')}`;

/**
 * JSON Schema (draft-04) of the request body of `POST /v1/risk/validate` (a new order of any
 * type, an amend or a cancel), for API Gateway's request validator model: the same
 * constraints as the OpenAPI document, inlined (a model cannot follow the document's `$ref`s)
 * and without OpenAPI-only keywords.
 */
export function orderRequestModelSchema(): JsonSchema {
  return {
    $schema: 'http://json-schema.org/draft-04/schema#',
    title: 'OrderRequest',
    type: 'object',
    // Every form requires these; said once more at the top so a validator names them first.
    required: ['account_id', 'order_id'],
    oneOf: [...ORDER_TYPES.map((type) => withoutExtensions(orderVariant(type))), amendRequest(), cancelRequest()],
  };
}

/** Drops `x-` annotations: a model is plain draft-04, and API Gateway need not guess at them. */
function withoutExtensions(schema: JsonSchema): JsonSchema {
  const copy: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith('x-')) continue;
    if (Array.isArray(value)) {
      copy[key] = value.map((item) => (isObject(item) ? withoutExtensions(item) : item));
    } else {
      copy[key] = isObject(value) ? withoutExtensions(value) : value;
    }
  }
  return copy;
}

function isObject(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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
    code: { type: 'string', enum: [...REQUEST_ERROR_CODES], description: 'Stable and machine-readable: branch on it.' },
    message: { type: 'string', description: 'For humans; never carries internals.' },
    issues: {
      type: 'array',
      description: 'INVALID_REQUEST only: every field at fault.',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: { field: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
};

/** A JSON error answer whose `code` is one of `codes`. */
function errorResponse(description: string, codes: readonly RequestErrorCode[]): JsonSchema {
  return {
    description: `${description}: \`code\` ${codes.join(' or ')}`,
    content: {
      'application/json': {
        schema: {
          allOf: [{ $ref: '#/components/schemas/Error' }, { properties: { code: { enum: [...codes] } } }],
        },
      },
    },
  };
}

/** Answers API Gateway gives before the function runs: its own `{ "message": ... }` body. */
const gatewayResponses = {
  '403': {
    description:
      'Missing or invalid SigV4 signature, or a caller whose IAM policy does not allow the route (API Gateway)',
  },
  '429': { description: 'Throttled by the usage plan or the WAF rate rule (API Gateway)' },
};

const internalError = errorResponse('The gate failed; the body never carries internals', ['INTERNAL_ERROR']);

/** A signed decimal string as the server writes it (positions and headroom may be negative). */
const signedDecimal: JsonSchema = { type: 'string', pattern: '^-?[0-9]+(\\.[0-9]+)?$' };
const nullableDecimal: JsonSchema = { anyOf: [signedDecimal, { type: 'null' }] };
const sideFigures: JsonSchema = {
  type: 'object',
  required: ['qty', 'notional', 'count'],
  additionalProperties: false,
  properties: { qty: signedDecimal, notional: signedDecimal, count: { type: 'integer', minimum: 0 } },
};
const bySide: JsonSchema = {
  type: 'object',
  required: ['buy', 'sell'],
  additionalProperties: false,
  properties: { buy: sideFigures, sell: sideFigures },
};
const closed = (properties: Record<string, JsonSchema>, description?: string): JsonSchema => ({
  type: 'object',
  required: Object.keys(properties),
  additionalProperties: false,
  properties,
  ...(description ? { description } : {}),
});

/** `GET /v1/risk/accounts/{id}/exposure` (ExposureView in shared/domain/risk/exposure-view.ts). */
const exposureSchema: JsonSchema = closed({
  account_id: { type: 'string' },
  limits_version: { type: 'integer' },
  as_of: { type: 'string', format: 'date-time' },
  symbols: {
    type: 'array',
    items: closed({
      symbol: { type: 'string' },
      mark: nullableDecimal,
      position: signedDecimal,
      working: { ...bySide, description: 'Orders Kraken acknowledged, quantity left to fill.' },
      pending: { ...bySide, description: 'Reservations of accepted orders Kraken has not acknowledged yet.' },
      worst_value: nullableDecimal,
      worst_qty: signedDecimal,
      headroom: closed({
        concentration: nullableDecimal,
        position_notional: nullableDecimal,
        position_quantity: nullableDecimal,
        open_orders: { type: 'integer' },
      }),
    }),
  },
  unvalued: { type: 'array', items: { type: 'string' }, description: 'Symbols held or ordered that have no mark.' },
  total: closed({
    net: nullableDecimal,
    gross: nullableDecimal,
    var_95: nullableDecimal,
    open_notional: nullableDecimal,
    open_orders: { type: 'integer', minimum: 0 },
  }),
  headroom: closed({
    nav: nullableDecimal,
    var: nullableDecimal,
    open_notional: nullableDecimal,
    open_orders: { type: 'integer' },
  }),
});

export function buildOpenApi(): JsonSchema {
  const variants = Object.fromEntries(ORDER_TYPES.map((type) => [variantName(type), orderVariant(type)]));
  return {
    openapi: '3.1.0',
    info: {
      title: 'risk-gate API',
      version: '1.0.0',
      description:
        'Pre-trade risk validation for Kraken USD spot orders. Amounts are decimal strings. ' +
        'Every route is authenticated by IAM through API Gateway: sign each request with AWS ' +
        'Signature Version 4 (service `execute-api`), see the `sigv4` security scheme. A decision is a 200 with ' +
        '`decision` accept or reject; when the gate cannot decide (state unavailable) it rejects ' +
        'with RISK_STATE_UNAVAILABLE rather than erroring. The `order_id` validated is the ' +
        '`cl_ord_id` the strategy then sends to Kraken; an amend or a cancel names that same id. ' +
        'The request schemas state every constraint ' +
        'the server enforces; the one that JSON Schema cannot say (an iceberg display_qty between ' +
        'quantity/15 and quantity) is in `x-constraints`. docs/risk-api.md explains the contract.',
    },
    servers: [{ url: '/', description: 'The stage URL of the API Gateway REST API (or local mode)' }],
    paths: {
      [ROUTES.validate]: {
        post: {
          operationId: 'validateOrder',
          summary: 'May this order go out? (or this amend; a cancel is always allowed and recorded)',
          description:
            'A new order (`action` absent or `new`) is checked against every limit, counting the position, working ' +
            'orders and pending reservations; an accept reserves its exposure. An amend (`action: amend`) is checked ' +
            "against the order's reservation or working quantity; a cancel (`action: cancel`) is always accepted. " +
            'Idempotent per (account_id, order_id): the same body (keys in any order) returns the stored ' +
            'decision for 24 h; a different body with a used order_id is rejected with DUPLICATE_ORDER_ID. ' +
            'Send `Content-Type: application/json`; bodies over 16 KiB are refused.',
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/RiskRequest' } } },
          },
          responses: {
            '200': {
              description: 'The decision, accept or reject, with every failing rule in `reasons`',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Decision' } } },
            },
            '400': errorResponse('Malformed request; `issues` names each field at fault', [
              'INVALID_JSON',
              'INVALID_REQUEST',
            ]),
            '413': errorResponse('Body over 16 KiB', ['PAYLOAD_TOO_LARGE']),
            '415': errorResponse('Content-Type is not application/json', ['UNSUPPORTED_MEDIA_TYPE']),
            ...gatewayResponses,
            '500': internalError,
          },
        },
      },
      [ROUTES.decisions]: {
        get: {
          operationId: 'recentDecisions',
          summary: 'Recent decisions of an account, newest first',
          parameters: [
            { name: 'account_id', in: 'query', required: true, schema: accountId },
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
                    required: ['account_id', 'decisions'],
                    properties: {
                      account_id: { type: 'string' },
                      decisions: { type: 'array', items: { $ref: '#/components/schemas/Decision' } },
                    },
                  },
                },
              },
            },
            '400': errorResponse('A query parameter is missing or malformed', ['INVALID_REQUEST']),
            ...gatewayResponses,
            '500': internalError,
            '503': errorResponse('The decision store did not answer; retry', ['SERVICE_UNAVAILABLE']),
          },
        },
      },
      [ROUTES.accountExposure]: {
        get: {
          operationId: 'accountExposure',
          summary: "An account's exposure: position, working orders, pending reservations and headroom per limit",
          description:
            'What the rules count, per symbol and in total, valued at the marks: position + working orders + ' +
            'pending reservations, on the worse side. `headroom` is each limit minus its figure (negative when ' +
            'over); figures that need a missing mark are null and the symbol is listed in `unvalued`.',
          parameters: [{ name: 'id', in: 'path', required: true, schema: accountId, example: 'director-a' }],
          responses: {
            '200': {
              description: 'The exposure',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Exposure' } } },
            },
            '400': errorResponse('The account id is malformed', ['INVALID_REQUEST']),
            '404': errorResponse('No such account', ['NOT_FOUND']),
            ...gatewayResponses,
            '500': internalError,
            '503': errorResponse('A store did not answer; retry', ['SERVICE_UNAVAILABLE']),
          },
        },
      },
      [ROUTES.health]: {
        get: {
          operationId: 'health',
          summary: 'Whether the gate can decide; 503 when it would reject everything',
          responses: {
            '200': {
              description: 'ok',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Health' } } },
            },
            '503': {
              description: 'degraded: a store the decisions need does not answer',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Health' } } },
            },
            ...gatewayResponses,
          },
        },
      },
    },
    components: {
      schemas: {
        OrderRequest: {
          description:
            'A new order (`action` absent or `new`). Each order type admits exactly the fields it has on Kraken.',
          oneOf: ORDER_TYPES.map((type) => ({ $ref: `#/components/schemas/${variantName(type)}` })),
          discriminator: {
            propertyName: 'type',
            mapping: Object.fromEntries(ORDER_TYPES.map((type) => [type, `#/components/schemas/${variantName(type)}`])),
          },
        },
        ...variants,
        AmendRequest: amendRequest(),
        CancelRequest: cancelRequest(),
        RiskRequest: {
          description:
            'The body of `POST /v1/risk/validate`: a new order (`action` absent or `new`), an amend or a cancel.',
          oneOf: [
            { $ref: '#/components/schemas/OrderRequest' },
            { $ref: '#/components/schemas/AmendRequest' },
            { $ref: '#/components/schemas/CancelRequest' },
          ],
        },
        Exposure: exposureSchema,
        Decision: schemaOf(decisionResponseSchema, 'output'),
        ReasonCode: { type: 'string', enum: [...REASON_CODES] },
        Error: errorSchema,
        Health: {
          type: 'object',
          required: ['status', 'stage', 'checks'],
          properties: {
            status: { type: 'string', enum: ['ok', 'degraded'] },
            stage: { type: 'string' },
            checks: { type: 'object', additionalProperties: { type: 'string', enum: ['ok', 'down'] } },
          },
        },
      },
      securitySchemes: {
        // API Gateway's documented form of IAM auth in OpenAPI 3: an apiKey scheme on the
        // Authorization header marked awsSigv4. A client signs the request (SigV4 sets
        // Authorization, X-Amz-Date and, with temporary credentials, X-Amz-Security-Token);
        // it is not a header parameter a caller fills in by hand.
        sigv4: {
          type: 'apiKey',
          name: 'Authorization',
          in: 'header',
          description:
            'AWS Signature Version 4 (service `execute-api`) with IAM credentials allowed to invoke the route.',
          'x-amazon-apigateway-authtype': 'awsSigv4',
        },
      },
    },
    security: [{ sigv4: [] }],
  };
}
