import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Decimal, dec, InvalidDecimalError } from './decimal.js';

describe('Class: Decimal', () => {
  describe('Method: parse', () => {
    it.each([
      ['0', '0'],
      ['000.1000', '0.1'],
      ['65000.10', '65000.1'],
      ['-0.000000000000000001', '-0.000000000000000001'],
      ['123456789012345678901234.5', '123456789012345678901234.5'],
    ])('parses %s exactly as %s', (input, canonical) => {
      expect(Decimal.parse(input).toString()).toBe(canonical);
    });

    it.each([
      '',
      '.5',
      '5.',
      '1e3',
      '+1',
      ' 1',
      '1 ',
      'NaN',
      'Infinity',
      '0x10',
      '1,5',
      '--1',
      '0.0000000000000000001',
    ])('refuses %j', (input) => {
      expect(() => Decimal.parse(input)).toThrow(InvalidDecimalError);
      expect(Decimal.tryParse(input)).toBeUndefined();
    });

    it('refuses more than 24 integer digits', () => {
      expect(() => Decimal.parse('1'.repeat(25))).toThrow(/integer digits/);
    });

    it('never produces -0', () => {
      expect(Decimal.parse('-0.000').toString()).toBe('0');
    });
  });

  describe('Method: arithmetic', () => {
    it('adds 0.1 and 0.2 to exactly 0.3, unlike binary floats', () => {
      expect(dec('0.1').add(dec('0.2')).eq(dec('0.3'))).toBe(true);
    });

    it('multiplies a price by a quantity exactly', () => {
      expect(dec('65432.1').mul(dec('0.00012345')).toString()).toBe('8.077592745');
    });

    it('rounds division half-even by default and as asked otherwise', () => {
      expect(dec('2').div(dec('3')).toString()).toBe('0.666666666666666667');
      expect(dec('2').div(dec('3'), 'down').toString()).toBe('0.666666666666666666');
      expect(dec('-2').div(dec('3'), 'up').toString()).toBe('-0.666666666666666667');
      expect(dec('0.25').round(1).toString()).toBe('0.2');
      expect(dec('0.35').round(1).toString()).toBe('0.4');
      expect(dec('-0.25').round(1, 'up').toString()).toBe('-0.3');
    });

    it('refuses division by zero', () => {
      expect(() => dec('1').div(Decimal.ZERO)).toThrow(RangeError);
    });

    it('tells whether a value sits on an increment', () => {
      expect(dec('65000.1').isMultipleOf(dec('0.1'))).toBe(true);
      expect(dec('65000.15').isMultipleOf(dec('0.1'))).toBe(false);
      expect(() => dec('1').isMultipleOf(Decimal.ZERO)).toThrow(RangeError);
    });

    it('formats with a fixed number of digits', () => {
      expect(dec('1.005').toFixed(2)).toBe('1.00');
      expect(dec('1.015').toFixed(2)).toBe('1.02');
      expect(dec('-3').toFixed(0)).toBe('-3');
      expect(dec('0.001').toFixed(8)).toBe('0.00100000');
    });

    it('compares', () => {
      const a = dec('1.5');
      const b = dec('1.50');
      const c = dec('2');
      expect([a.eq(b), a.lt(c), c.gt(a), a.lte(b), a.gte(b), a.cmp(c), c.cmp(a), a.cmp(b)]).toEqual([
        true,
        true,
        true,
        true,
        true,
        -1,
        1,
        0,
      ]);
      expect(Decimal.min(a, c)).toBe(a);
      expect(Decimal.max(a, c)).toBe(c);
      expect(dec('-4').abs().toString()).toBe('4');
    });
  });

  describe('Property: round trips', () => {
    const decimalText = fc
      .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 20n }), fc.integer({ min: 0, max: 18 }))
      .map(([negative, magnitude, scale]) => {
        const digits = magnitude.toString().padStart(scale + 1, '0');
        const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
        return negative ? `-${text}` : text;
      });

    it('parse(toString(x)) is x, and addition is exact', () => {
      fc.assert(
        fc.property(decimalText, decimalText, (a, b) => {
          const x = Decimal.parse(a);
          const y = Decimal.parse(b);
          expect(Decimal.parse(x.toString()).eq(x)).toBe(true);
          expect(x.add(y).sub(y).eq(x)).toBe(true);
        }),
        { numRuns: 500 },
      );
    });
  });
});
