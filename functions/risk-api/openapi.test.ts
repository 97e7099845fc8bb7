import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  accountIdSchema,
  ORDER_TYPE_RULES,
  ORDER_TYPES,
  orderIdSchema,
  positiveDecimalString,
  symbolSchema,
} from '../../shared/domain/order.js';
import { REASON_CODES, REQUEST_ERROR_CODES } from '../../shared/domain/reasons.js';
import { ROUTES } from '../../shared/names.js';
import {
  buildOpenApi,
  orderRequestModelSchema,
  PERCENT_BELOW_100_PATTERN,
  POSITIVE_DECIMAL_PATTERN,
} from './openapi.js';

type Schema = {
  type?: string;
  pattern?: string;
  enum?: unknown[];
  minLength?: number;
  maxLength?: number;
  properties?: Record<string, Schema>;
  required?: string[];
  oneOf?: Schema[];
  additionalProperties?: boolean;
  [key: string]: unknown;
};
type Doc = {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: { name: string; in: string; schema: Schema }[];
        responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
      }
    >
  >;
  components: { schemas: Record<string, Schema>; securitySchemes: Record<string, Record<string, unknown>> };
  security: Record<string, unknown[]>[];
};

const doc = buildOpenApi() as unknown as Doc;
const forms = (): Schema[] => orderRequestModelSchema().oneOf as Schema[];
const variants = (): Schema[] => forms().filter((form) => form.properties?.type !== undefined);
const formOf = (action: string): Schema | undefined =>
  forms().find((form) => form.properties?.action?.enum?.[0] === action);
const variantOf = (type: string): Schema => {
  const found = variants().find((variant) => variant.properties?.type?.enum?.[0] === type);
  if (!found) throw new Error(`no variant for ${type}`);
  return found;
};

/** Whether a string satisfies a document string schema's pattern and length bounds. */
function admits(schema: Schema, value: string): boolean {
  if (schema.minLength !== undefined && value.length < schema.minLength) return false;
  if (schema.maxLength !== undefined && value.length > schema.maxLength) return false;
  return schema.pattern === undefined || new RegExp(schema.pattern).test(value);
}

/** Strings near the edges of each field's grammar, plus arbitrary ones. */
const decimalish = fc.oneof(
  fc.stringMatching(/^[0-9.]{0,48}$/),
  fc.stringMatching(/^0{0,3}[0-9]{0,26}(\.[0-9]{0,20})?$/),
  fc.string({ maxLength: 50 }),
);

describe('Class: OpenAPI document', () => {
  describe('Method: buildOpenApi', () => {
    it('is committed exactly as the code generates it (run `npm run openapi` after a change)', () => {
      // Prepare
      const file = path.resolve(import.meta.dirname, '../../docs/openapi.json');

      // Act
      const committed = JSON.parse(readFileSync(file, 'utf8'));

      // Assess
      expect(committed).toEqual(buildOpenApi());
    });

    it('states "> 0" as a pattern that agrees with the server on every decimal string', () => {
      fc.assert(
        fc.property(decimalish, (text) => {
          // Act / Assess: the document's quantity schema and the server's parser agree
          const schema = doc.components.schemas.OrderRequestLimit?.properties?.quantity as Schema;
          expect(admits(schema, text)).toBe(positiveDecimalString.safeParse(text).success);
        }),
        { numRuns: 3_000 },
      );
      expect(new RegExp(POSITIVE_DECIMAL_PATTERN).test('0')).toBe(false);
      expect(new RegExp(POSITIVE_DECIMAL_PATTERN).test('0.000')).toBe(false);
      expect(new RegExp(POSITIVE_DECIMAL_PATTERN).test('0.000000000000000001')).toBe(true);
    });

    it('bounds a pct trailing distance below 100, like the server', () => {
      const pct = new RegExp(PERCENT_BELOW_100_PATTERN);
      fc.assert(
        fc.property(decimalish, (text) => {
          const parsed = positiveDecimalString.safeParse(text);
          const below100 = parsed.success && parsed.data.lt(positiveDecimalString.parse('100'));
          expect(pct.test(text)).toBe(below100);
        }),
        { numRuns: 3_000 },
      );
    });

    it('gives ids and symbols the patterns and lengths the server enforces (no empty account_id)', () => {
      // Prepare
      const limit = doc.components.schemas.OrderRequestLimit?.properties as Record<string, Schema>;
      const cases: [Schema, { safeParse(value: unknown): { success: boolean } }, fc.Arbitrary<string>][] = [
        [limit.account_id as Schema, accountIdSchema, fc.stringMatching(/^[A-Za-z0-9_\- .]{0,70}$/)],
        [limit.order_id as Schema, orderIdSchema, fc.string({ maxLength: 140, unit: 'binary-ascii' })],
        [
          limit.symbol as Schema,
          symbolSchema,
          fc.stringMatching(/^[A-Z0-9a-z]{0,14}(\.[A-Z0-9]{0,5})?\/?[A-Z0-9]{0,9}$/),
        ],
      ];

      // Act / Assess
      for (const [schema, zod, strings] of cases) {
        fc.assert(
          fc.property(strings, (text) => {
            expect(admits(schema, text)).toBe(zod.safeParse(text).success);
          }),
          { numRuns: 1_500 },
        );
      }
      expect(admits(limit.account_id as Schema, '')).toBe(false);
      expect(doc.paths[ROUTES.decisions]?.get?.parameters?.[0]?.schema).toMatchObject({ minLength: 1, maxLength: 64 });
    });

    it('declares SigV4 as API Gateway documents it, as a security scheme rather than a header parameter', () => {
      // Assess
      expect(doc.components.securitySchemes.sigv4).toMatchObject({
        type: 'apiKey',
        in: 'header',
        name: 'Authorization',
        'x-amazon-apigateway-authtype': 'awsSigv4',
      });
      expect(doc.security).toEqual([{ sigv4: [] }]);
      const headerParameters = Object.values(doc.paths)
        .flatMap((operations) => Object.values(operations))
        .flatMap((operation) => operation.parameters ?? [])
        .filter((parameter) => parameter.in === 'header');
      expect(headerParameters).toEqual([]);
    });

    it('lists every reason code and gives each error answer its machine-readable codes', () => {
      // Assess
      expect(doc.components.schemas.ReasonCode?.enum).toEqual([...REASON_CODES]);
      const validate = doc.paths[ROUTES.validate]?.post?.responses ?? {};
      const codesOf = (status: string) =>
        (validate[status]?.content?.['application/json']?.schema.allOf as Schema[] | undefined)?.[1]?.properties?.code
          ?.enum;
      expect(codesOf('400')).toEqual(['INVALID_JSON', 'INVALID_REQUEST']);
      expect(codesOf('413')).toEqual(['PAYLOAD_TOO_LARGE']);
      expect(codesOf('415')).toEqual(['UNSUPPORTED_MEDIA_TYPE']);
      for (const status of ['400', '413', '415', '500']) {
        for (const code of codesOf(status) ?? []) expect(REQUEST_ERROR_CODES).toContain(code);
      }
    });
  });

  describe('Method: orderRequestModelSchema', () => {
    it('is a draft-04 model with one variant per order type, each closed to unknown fields', () => {
      // Act
      const model = orderRequestModelSchema();

      // Assess
      expect(model.$schema).toBe('http://json-schema.org/draft-04/schema#');
      expect(variants().map((variant) => variant.properties?.type?.enum)).toEqual(ORDER_TYPES.map((type) => [type]));
      for (const variant of variants()) {
        expect(variant.additionalProperties).toBe(false);
        expect(variant.required).toEqual(
          expect.arrayContaining(['account_id', 'order_id', 'symbol', 'side', 'type', 'quantity']),
        );
      }
    });

    it('takes amends (something to change) and cancels (symbol optional) beside the nine order types', () => {
      // Act
      const amend = formOf('amend');
      const cancel = formOf('cancel');

      // Assess
      expect(forms()).toHaveLength(ORDER_TYPES.length + 2);
      expect(orderRequestModelSchema().required).toEqual(['account_id', 'order_id']);
      expect(amend?.required).toEqual(['account_id', 'order_id', 'action', 'symbol']);
      expect(amend?.anyOf).toEqual(
        ['quantity', 'limit_price', 'trigger_price', 'display_qty'].map((field) => ({ required: [field] })),
      );
      expect(amend?.properties?.quantity?.pattern).toBe(POSITIVE_DECIMAL_PATTERN);
      expect(cancel?.required).toEqual(['account_id', 'order_id', 'action']);
      expect(cancel?.additionalProperties).toBe(false);
    });

    it('requires or forbids each price, trigger and display field exactly as ORDER_TYPE_RULES says', () => {
      for (const type of ORDER_TYPES) {
        // Prepare
        const rules = ORDER_TYPE_RULES[type];
        const variant = variantOf(type);
        const has = (field: string) => variant.properties?.[field] !== undefined;
        const requires = (field: string) => variant.required?.includes(field) ?? false;

        // Assess: a forbidden field is absent from a closed object, so it is refused
        expect([type, has('limit_price'), requires('limit_price')]).toEqual([type, rules.limitPrice, rules.limitPrice]);
        expect([type, has('trigger_price'), requires('trigger_price')]).toEqual([type, rules.trigger, rules.trigger]);
        expect([type, has('trigger_reference')]).toEqual([type, rules.trigger]);
        expect([type, requires('display_qty')]).toEqual([type, type === 'iceberg']);
        expect([type, variant.properties?.post_only?.enum]).toEqual([type, rules.postOnly ? [true, false] : [false]]);
        if (rules.trigger) {
          expect([type, variant.properties?.trigger_price_type?.enum]).toEqual([
            type,
            rules.trailing ? ['pct', 'quote'] : ['static'],
          ]);
          expect([type, requires('trigger_price_type')]).toEqual([type, rules.trailing]);
        }
        expect([type, variant.properties?.time_in_force?.enum?.includes('gtd')]).toEqual([type, type !== 'market']);
      }
    });

    it('uses only draft-04 keywords (API Gateway models know no const, if/then or $ref into the document)', () => {
      // Prepare
      const forbidden = new Set([
        'const',
        'if',
        'then',
        'else',
        '$ref',
        'discriminator',
        'examples',
        'unevaluatedProperties',
      ]);
      const found: string[] = [];
      const walk = (node: unknown, at: string, inPropertyMap: boolean) => {
        if (Array.isArray(node)) {
          for (const [index, item] of node.entries()) walk(item, `${at}[${index}]`, false);
        } else if (node && typeof node === 'object') {
          for (const [key, value] of Object.entries(node)) {
            if (!inPropertyMap && (forbidden.has(key) || key.startsWith('x-'))) found.push(`${at}.${key}`);
            walk(value, `${at}.${key}`, key === 'properties' && !inPropertyMap);
          }
        }
      };

      // Act
      walk(orderRequestModelSchema(), '$', false);

      // Assess
      expect(found).toEqual([]);
    });
  });
});

describe('Class: Risk API reference (docs/risk-api.md)', () => {
  it('lists every reason code the server can answer, and no other', () => {
    // Prepare
    const text = readFileSync(path.resolve(import.meta.dirname, '../../docs/risk-api.md'), 'utf8');
    const section = text.split('## Reason codes')[1]?.split('\n## ')[0] ?? '';

    // Act
    const listed = [...section.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((match) => match[1]);

    // Assess
    expect(listed).toEqual([...REASON_CODES]);
  });

  it('says that order_id is the cl_ord_id sent to Kraken', () => {
    const text = readFileSync(path.resolve(import.meta.dirname, '../../docs/risk-api.md'), 'utf8');
    expect(text).toMatch(/`order_id`[^.]*`cl_ord_id`/);
  });
});
