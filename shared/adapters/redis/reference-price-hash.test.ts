import { describe, expect, it } from 'vitest';
import { Decimal } from '../../domain/decimal.js';
import { decodeReferencePrice, encodeReferencePrice, REFERENCE_PRICE_FIELDS } from './reference-price-hash.js';

describe('Module: reference-price-hash', () => {
  it('decodes what it encodes, exactly', () => {
    // Act
    const fields = encodeReferencePrice({ price: Decimal.parse('65000.50'), updatedAtMs: 1_700_000_000_000 });

    // Assess
    expect(fields).toEqual({ price: '65000.5', updated_at_ms: '1700000000000' });
    expect(decodeReferencePrice(fields)?.price.toString()).toBe('65000.5');
    expect(decodeReferencePrice(fields)?.updatedAtMs).toBe(1_700_000_000_000);
  });

  it('reads a hash with an unreadable or missing field as no reference', () => {
    const fields = encodeReferencePrice({ price: '1', updatedAtMs: 1 });
    for (const field of Object.values(REFERENCE_PRICE_FIELDS)) {
      expect(decodeReferencePrice({ ...fields, [field]: 'x' }), field).toBeNull();
      const { [field]: _dropped, ...rest } = fields;
      expect(decodeReferencePrice(rest), `${field} missing`).toBeNull();
    }
  });
});
