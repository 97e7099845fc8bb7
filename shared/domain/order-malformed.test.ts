import { describe, expect, it } from 'vitest';
import { orderRequestSchema, riskRequestSchema } from './order.js';

/**
 * Malformed amounts next to a cross-field rule that reads them (found by the OpenAPI
 * contract test: a 45-character trigger_price on a pct trailing order was a 500). The
 * refusal must be a parse failure naming the field, never an exception.
 */
const base = { account_id: 'acct-1', order_id: 'o-1', symbol: 'BTC/USD', side: 'buy' } as const;

describe('Class: orderRequestSchema', () => {
  describe('Method: safeParse (malformed fields beside cross-field rules)', () => {
    it.each([
      [
        'trigger_price',
        {
          ...base,
          type: 'trailing-stop-limit',
          quantity: '1',
          limit_price: '100',
          trigger_price: 'a'.repeat(45),
          trigger_price_type: 'pct',
        },
      ],
      ['display_qty', { ...base, type: 'iceberg', quantity: '1', limit_price: '100', display_qty: 'x' }],
      ['quantity', { ...base, type: 'iceberg', quantity: '0.1.2', limit_price: '100', display_qty: '1' }],
    ])('refuses a malformed %s without throwing', (field, body) => {
      // Prepare: a body whose field is malformed where a cross-field rule compares it

      // Act
      const parse = () => orderRequestSchema.safeParse(body);
      const union = () => riskRequestSchema.safeParse(body);

      // Assess
      expect(parse).not.toThrow();
      expect(union).not.toThrow();
      const result = parse();
      expect(result.success).toBe(false);
      expect(result.error?.issues.map((issue) => issue.path.join('.'))).toContain(field);
    });

    it('still applies the cross-field rules to a body whose fields all parse', () => {
      // Prepare
      const body = { ...base, type: 'iceberg', quantity: '1', limit_price: '100', display_qty: '2' };

      // Act
      const result = orderRequestSchema.safeParse(body);

      // Assess
      expect(result.success).toBe(false);
      expect(result.error?.issues).toEqual([
        expect.objectContaining({ path: ['display_qty'], message: 'cannot exceed quantity' }),
      ]);
    });
  });
});
