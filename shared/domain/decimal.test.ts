import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Decimal, dec, InvalidDecimalError, type RoundingMode } from './decimal.js';

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

/**
 * The BigInt implementation the fast form replaced (values as bigint 10^-18 units), kept
 * here as the reference the fast paths are held to: same units, same text, same answers.
 */
const SCALE = 10n ** 18n;
const reference = {
  parse(input: string): bigint {
    const match = /^(-)?(\d+)(?:\.(\d+))?$/.exec(input);
    if (!match) throw new Error(`reference cannot parse ${input}`);
    const [, sign, intPart = '0', fracPart = ''] = match;
    const units = BigInt(intPart) * SCALE + BigInt(fracPart.padEnd(18, '0') || '0');
    return sign ? -units : units;
  },
  mul: (a: bigint, b: bigint) => (a * b) / SCALE,
  div: (a: bigint, b: bigint, rounding: RoundingMode) => divideRounded(a * SCALE, b, rounding),
  round(a: bigint, digits: number, rounding: RoundingMode): bigint {
    const step = 10n ** BigInt(18 - digits);
    return divideRounded(a, step, rounding) * step;
  },
  toString(units: bigint): string {
    const negative = units < 0n;
    const magnitude = negative ? -units : units;
    let text = (magnitude / SCALE).toString();
    const frac = magnitude % SCALE;
    if (frac !== 0n) text += `.${frac.toString().padStart(18, '0').replace(/0+$/, '')}`;
    return negative ? `-${text}` : text;
  },
};

function divideRounded(numerator: bigint, denominator: bigint, rounding: RoundingMode): bigint {
  const quotient = numerator / denominator;
  const remainder = numerator % denominator;
  if (remainder === 0n || rounding === 'down') return quotient;
  const positive = numerator < 0n === denominator < 0n;
  const awayFromZero = positive ? quotient + 1n : quotient - 1n;
  if (rounding === 'up') return awayFromZero;
  const twiceRemainder = 2n * (remainder < 0n ? -remainder : remainder);
  const absDenominator = denominator < 0n ? -denominator : denominator;
  if (twiceRemainder > absDenominator) return awayFromZero;
  if (twiceRemainder < absDenominator) return quotient;
  return quotient % 2n === 0n ? quotient : awayFromZero;
}

/** Every value is held in its one canonical form: equal values are equal field by field. */
function expectCanonical(value: Decimal): void {
  expect(value).toEqual(Decimal.fromUnits(value.units));
  const text = value.toString();
  // parse refuses more than 24 integer digits; products of large inputs can have more.
  if (text.replace(/^-/, '').split('.')[0]!.length <= 24) expect(value).toEqual(Decimal.parse(text));
}

describe('Class: Decimal, fast form against the BigInt reference', () => {
  const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
  // Mantissas on both sides of 2^53 (the fast form's edge), small ones, and huge ones.
  const mantissa = fc.oneof(
    fc.bigInt({ min: 0n, max: 1_000n }),
    fc.bigInt({ min: 0n, max: 10n ** 9n }),
    fc.bigInt({ min: MAX_SAFE - 1_000n, max: MAX_SAFE + 1_000n }),
    fc.bigInt({ min: MAX_SAFE / 10n - 10n, max: MAX_SAFE / 10n + 10n }),
    fc.bigInt({ min: 0n, max: 10n ** 20n }),
    fc.bigInt({ min: 0n, max: 10n ** 30n }),
  );
  const decimalText = fc
    .tuple(fc.boolean(), mantissa, fc.integer({ min: 0, max: 18 }), fc.integer({ min: 0, max: 3 }))
    .map(([negative, magnitude, scale, trailingZeros]) => {
      // Trailing zeros and leading zeros in the text must not change the value or its form.
      const digits = (magnitude.toString() + '0'.repeat(Math.min(trailingZeros, 18 - scale))).padStart(scale + 1, '0');
      const cut = Math.min(scale + Math.min(trailingZeros, 18 - scale), 18);
      const text = cut === 0 ? digits : `${digits.slice(0, -cut) || '0'}.${digits.slice(-cut)}`;
      return negative ? `-${text}` : text;
    })
    .filter(
      (text) =>
        text
          .split('.')[0]!
          .replace(/^-?0+(?=\d)/, '')
          .replace('-', '').length <= 24,
    );
  const rounding = fc.constantFrom<RoundingMode>('down', 'up', 'half-even');
  const run = { numRuns: 3_000 };

  it('parses to the reference units and prints the reference text', () => {
    fc.assert(
      fc.property(decimalText, (text) => {
        const x = Decimal.parse(text);
        expect(x.units).toBe(reference.parse(text));
        expect(x.toString()).toBe(reference.toString(reference.parse(text)));
        expectCanonical(x);
      }),
      run,
    );
  });

  it('adds, subtracts, multiplies and compares as the reference', () => {
    fc.assert(
      fc.property(decimalText, decimalText, (a, b) => {
        const [x, y] = [Decimal.parse(a), Decimal.parse(b)];
        const [u, v] = [reference.parse(a), reference.parse(b)];
        for (const [result, expected] of [
          [x.add(y), u + v],
          [x.sub(y), u - v],
          [x.mul(y), reference.mul(u, v)],
          [x.neg(), -u],
          [x.abs(), u < 0n ? -u : u],
        ] as const) {
          expect(result.units).toBe(expected);
          expect(result.toString()).toBe(reference.toString(expected));
          expectCanonical(result);
        }
        const sign = u < v ? -1 : u > v ? 1 : 0;
        expect(x.cmp(y)).toBe(sign);
        expect([x.eq(y), x.lt(y), x.lte(y), x.gt(y), x.gte(y)]).toEqual([
          sign === 0,
          sign < 0,
          sign <= 0,
          sign > 0,
          sign >= 0,
        ]);
        expect([x.isZero(), x.isNegative(), x.isPositive()]).toEqual([u === 0n, u < 0n, u > 0n]);
        expect(Decimal.min(x, y)).toBe(u <= v ? x : y);
        expect(Decimal.max(x, y)).toBe(u >= v ? x : y);
      }),
      run,
    );
  });

  it('divides, rounds and checks increments as the reference', () => {
    fc.assert(
      fc.property(decimalText, decimalText, rounding, fc.integer({ min: 0, max: 18 }), (a, b, mode, digits) => {
        const [x, y] = [Decimal.parse(a), Decimal.parse(b)];
        const [u, v] = [reference.parse(a), reference.parse(b)];
        if (v === 0n) {
          expect(() => x.div(y, mode)).toThrow(RangeError);
        } else {
          const quotient = x.div(y, mode);
          expect(quotient.units).toBe(reference.div(u, v, mode));
          expectCanonical(quotient);
        }
        const rounded = x.round(digits, mode);
        expect(rounded.units).toBe(reference.round(u, digits, mode));
        expectCanonical(rounded);
        expect(x.toFixed(digits)).toBe(
          (() => {
            const r = reference.round(u, digits, 'half-even');
            const negative = r < 0n;
            const m = negative ? -r : r;
            const int = (m / SCALE).toString();
            if (digits === 0) return negative ? `-${int}` : int;
            return `${negative ? '-' : ''}${int}.${(m % SCALE).toString().padStart(18, '0').slice(0, digits)}`;
          })(),
        );
        if (v > 0n) expect(x.isMultipleOf(y)).toBe(u % v === 0n);
      }),
      run,
    );
  });

  describe('Method: edges of the fast form', () => {
    const maxSafe = String(Number.MAX_SAFE_INTEGER); // 9007199254740991

    it('leaves the fast form exactly when a sum, product or aligned figure passes 2^53', () => {
      expect(dec(maxSafe).add(dec('1')).toString()).toBe('9007199254740992');
      expect(dec(maxSafe).add(dec('1')).sub(dec('1')).toString()).toBe(maxSafe);
      expect(dec(`-${maxSafe}`).sub(dec('2')).toString()).toBe('-9007199254740993');
      expect(dec('94906265.62485').mul(dec('94906265.62485')).toString()).toBe('9007199254854584.7609375225');
      // Aligning 0.9007199254740993 (scale 16) with 1e-18 overflows before the sum does.
      expect(dec('900719925474099.3').add(dec('-0.000000000000000001')).toString()).toBe(
        '900719925474099.299999999999999999',
      );
      expect(dec('900719925474099.3').gt(dec('900719925474099.299999999999999999'))).toBe(true);
    });

    it('keeps the sign and never produces -0', () => {
      expect(dec('-0.5').mul(dec('0')).toString()).toBe('0');
      expect(dec('0').neg()).toEqual(Decimal.ZERO);
      expect(dec('-1.5').add(dec('1.5'))).toEqual(Decimal.ZERO);
      expect(dec('-0.0000000001').mul(dec('0.000000001')).toString()).toBe('0');
      expect(dec('-3').div(dec('-4')).toString()).toBe('0.75');
      expect(dec('-0.000000000000000001').abs().toString()).toBe('0.000000000000000001');
    });

    it('truncates products beyond 18 digits toward zero, on both signs', () => {
      expect(dec('0.000000001').mul(dec('0.0000000015')).toString()).toBe('0.000000000000000001');
      expect(dec('-0.000000001').mul(dec('0.0000000015')).toString()).toBe('-0.000000000000000001');
      expect(dec('0.123456789').mul(dec('0.987654321')).toString()).toBe('0.121932631112635269');
    });

    it('divides exactly when the quotient ends within 18 digits, rounds otherwise', () => {
      expect(dec('26').div(dec('10000')).toString()).toBe('0.0026');
      expect(dec('1').div(dec('0.00000001')).toString()).toBe('100000000');
      expect(dec('1').div(dec('1024')).toString()).toBe('0.0009765625');
      expect(dec('5000').div(dec('65000')).toString()).toBe('0.076923076923076923');
      expect(dec('1').div(dec('3'), 'up').toString()).toBe('0.333333333333333334');
      expect(dec('0.000000000000000001').div(dec('2'), 'half-even').toString()).toBe('0');
      expect(dec('0.000000000000000003').div(dec('2'), 'half-even').toString()).toBe('0.000000000000000002');
    });

    it('compares and checks increments across scales', () => {
      expect(dec('65000').isMultipleOf(dec('0.1'))).toBe(true);
      expect(dec('0.00012345').isMultipleOf(dec('0.00000001'))).toBe(true);
      expect(dec('0.000123455').isMultipleOf(dec('0.00000001'))).toBe(false);
      expect(dec('12345678901234567890').isMultipleOf(dec('0.1'))).toBe(true);
      expect(dec('0.1').cmp(dec('0.10000000000000001'))).toBe(-1);
      expect(dec('65000.5').lt(dec('65000.50000000000000001'))).toBe(true);
    });

    it('compares BigInt-form values with fast ones exactly, however close', () => {
      const spread = dec('0.153846153846153846'); // 18 digits: the BigInt form
      expect(spread.gt(dec('0.1538461538461538'))).toBe(true);
      expect(spread.lt(dec('0.153846153846153847'))).toBe(true);
      expect(spread.gt(dec('0.153846153846153845'))).toBe(true);
      expect(spread.neg().lt(dec('-0.1538461538461538'))).toBe(true);
      expect(spread.lt(dec('25'))).toBe(true);
      expect(spread.neg().gt(dec('-25'))).toBe(true);
      expect(dec('9007199254740993').gt(dec('9007199254740992'))).toBe(true);
      expect(dec('9007199254740993').cmp(dec('9007199254740993.000'))).toBe(0);
      expect(dec('-9007199254740993').lt(dec('-9007199254740992.999999999999999999'))).toBe(true);
    });

    it('makes every zero the one Decimal.ZERO (add, sub and mul test it by identity)', () => {
      const zeros = [
        dec('0'),
        dec('-0.000'),
        dec('0000000000000000000000.000000000000000000'),
        Decimal.fromInteger(0),
        Decimal.fromInteger(0n),
        Decimal.fromUnits(0n),
        dec('1.5').sub(dec('1.5')),
        dec('-2').add(dec('2')),
        dec('0.000000001').mul(dec('-0.0000000001')),
        dec('9007199254740993').sub(dec('9007199254740993')),
        Decimal.ZERO.div(dec('7')),
        dec('0.4').round(0),
        Decimal.ZERO.neg(),
      ];
      for (const zero of zeros) expect(zero).toBe(Decimal.ZERO);
      expect(dec('5').add(Decimal.ZERO).toString()).toBe('5');
      expect(Decimal.ZERO.sub(dec('5')).toString()).toBe('-5');
    });

    it('holds one form per value whatever the path that made it', () => {
      expect(dec('1.50')).toEqual(dec('1.5'));
      expect(dec('0.5').add(dec('0.5'))).toEqual(Decimal.ONE);
      expect(Decimal.fromInteger(65_000)).toEqual(dec('65000.000'));
      expect(Decimal.fromInteger(10n ** 20n)).toEqual(dec('100000000000000000000'));
      expect(Decimal.fromUnits(1_500_000_000_000_000_000n)).toEqual(dec('1.5'));
      expect(dec('0.153846153846153846').mul(Decimal.ONE)).toEqual(dec('0.153846153846153846'));
    });
  });
});
