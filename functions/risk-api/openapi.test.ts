import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REASON_CODES } from '../../shared/domain/reasons.js';
import { buildOpenApi, orderRequestModelSchema } from './openapi.js';

describe('OpenAPI document', () => {
  it('is committed exactly as the zod schemas generate it (run `npm run openapi` after a change)', () => {
    const committed = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../docs/openapi.json'), 'utf8'));
    expect(committed).toEqual(buildOpenApi());
  });

  it('describes amounts as decimal strings and lists every reason code', () => {
    const doc = buildOpenApi() as {
      components: { schemas: Record<string, { properties?: Record<string, unknown>; enum?: string[] }> };
    };
    expect(doc.components.schemas.OrderRequest?.properties?.quantity).toMatchObject({ type: 'string' });
    expect(doc.components.schemas.ReasonCode?.enum).toEqual([...REASON_CODES]);
  });

  it('gives API Gateway a draft-04 model that requires the order fields', () => {
    const model = orderRequestModelSchema();
    expect(model.$schema).toBe('http://json-schema.org/draft-04/schema#');
    expect(model.required).toEqual(
      expect.arrayContaining(['account_id', 'order_id', 'symbol', 'side', 'type', 'quantity']),
    );
    expect(model.additionalProperties).toBe(false);
  });
});
