/**
 * Exact decimal arithmetic for prices, quantities and money.
 *
 * Values are held as a bigint count of 10^-18 units. Eighteen fractional digits cover every
 * Kraken price/lot precision (at most 10) and the product of two of them, so notional
 * (price x quantity) is exact for every order the gate can see. Binary floats never enter
 * limit math: the only way out to a float is {@link Decimal.toNumber}, used for statistics
 * (volatility) and metrics, never for a comparison against a limit.
 */

const SCALE_DIGITS = 18;
const SCALE = 10n ** BigInt(SCALE_DIGITS);
/** 10^k for k in 0..36 as bigints and 0..22 as (exact) doubles. */
const POW10_BIG: readonly bigint[] = Array.from({ length: 37 }, (_, k) => 10n ** BigInt(k));
const POW10: readonly number[] = Array.from({ length: 23 }, (_, k) => 10 ** k);
/** Significant digits a double holds exactly whatever they are (2^53 has 16). */
const FAST_PARSE_DIGITS = 15;
/** Marks the BigInt form in `scale`. */
const SLOW = -1;
/** Integer digits accepted on input: far beyond any real amount, small enough to bound work. */
const MAX_INTEGER_DIGITS = 24;
const DECIMAL_PATTERN = /^(-)?(\d+)(?:\.(\d+))?$/;

/** Thrown when a string is not a plain decimal the gate can represent exactly. */
export class InvalidDecimalError extends Error {
  override readonly name = 'InvalidDecimalError';
  constructor(
    readonly input: string,
    reason: string,
  ) {
    super(`invalid decimal ${JSON.stringify(input.slice(0, 40))}: ${reason}`);
  }
}

export type RoundingMode = 'down' | 'up' | 'half-even';

/**
 * Two exact forms of one value, chosen by the value alone so that equal values are equal
 * objects field by field (tests compare decimals with toEqual):
 * - fast: `mantissa / 10^scale`, mantissa a safe integer (|m| < 2^53) with no trailing zero
 *   digit (scale 0 keeps them), scale in 0..18, zero as 0/10^0 (never -0). Arithmetic on it
 *   is plain double arithmetic on integers, exact while every intermediate stays a safe
 *   integer; each operation checks that and otherwise takes the BigInt path.
 * - BigInt: `big` holds the 10^-18 units (scale is SLOW), for every value whose canonical
 *   mantissa does not fit in a safe integer; `mantissa` then holds the value as the nearest
 *   double, so that comparisons can often be decided without BigInt (see compare).
 * The BigInt path is the original implementation; both give the same results bit for bit
 * (decimal.test.ts compares them on random inputs).
 */
export class Decimal {
  static readonly ZERO = new Decimal(0, 0, 0n);
  static readonly ONE = new Decimal(1, 0, 0n);
  static readonly FRACTION_DIGITS = SCALE_DIGITS;

  private readonly mantissa: number;
  private readonly scale: number;
  private readonly big: bigint;

  private constructor(mantissa: number, scale: number, big: bigint) {
    this.mantissa = mantissa;
    this.scale = scale;
    this.big = big;
  }

  /** Raw value in 10^-18 units; exposed for serialisation and tests, not for arithmetic. */
  get units(): bigint {
    if (this.scale === SLOW) return this.big;
    return BigInt(this.mantissa) * (POW10_BIG[SCALE_DIGITS - this.scale] as bigint);
  }

  /**
   * Parses a plain decimal string such as `"65000.1"` or `"-0.00012"`. Exponents, `+`,
   * spaces, `NaN` and more than 18 fractional digits are refused rather than rounded: an
   * amount the gate cannot hold exactly is an input error, not something to approximate.
   */
  static parse(input: string): Decimal {
    const match = DECIMAL_PATTERN.exec(input);
    if (!match) throw new InvalidDecimalError(input, 'expected digits with an optional "." and fraction');
    const [, sign, intPart = '0', fracPart = ''] = match;
    if (fracPart.length > SCALE_DIGITS) {
      throw new InvalidDecimalError(input, `more than ${SCALE_DIGITS} fractional digits`);
    }
    if (intPart.length + fracPart.length <= FAST_PARSE_DIGITS) {
      // At most 15 digits: Number() of the digit string is exact.
      const digits = Number(intPart + fracPart);
      return fast(sign && digits !== 0 ? -digits : digits, fracPart.length);
    }
    const significantInt = intPart.replace(/^0+(?=\d)/, '');
    if (significantInt.length > MAX_INTEGER_DIGITS) {
      throw new InvalidDecimalError(input, `more than ${MAX_INTEGER_DIGITS} integer digits`);
    }
    const units = BigInt(intPart) * SCALE + BigInt(fracPart.padEnd(SCALE_DIGITS, '0') || '0');
    return fromBig(sign ? -units : units);
  }

  /** Like {@link parse} but returns `undefined` instead of throwing. */
  static tryParse(input: string): Decimal | undefined {
    try {
      return Decimal.parse(input);
    } catch {
      return undefined;
    }
  }

  /** An integer amount (for example a count of basis points). */
  static fromInteger(value: number | bigint): Decimal {
    if (typeof value === 'number') {
      if (!Number.isSafeInteger(value)) throw new InvalidDecimalError(String(value), 'not a safe integer');
      return fast(value === 0 ? 0 : value, 0);
    }
    return fromBig(value * SCALE);
  }

  /** Builds a decimal from raw 10^-18 units (the inverse of {@link units}). */
  static fromUnits(units: bigint): Decimal {
    return fromBig(units);
  }

  /**
   * Converts a float received from an external feed by rounding it at `fractionDigits`
   * (the instrument's published precision), which is how the feed's own text looked.
   */
  static fromNumber(value: number, fractionDigits: number): Decimal {
    if (!Number.isFinite(value)) throw new InvalidDecimalError(String(value), 'not finite');
    return Decimal.parse(value.toFixed(Math.min(fractionDigits, 100)));
  }

  static min(a: Decimal, b: Decimal): Decimal {
    return a.compare(b) <= 0 ? a : b;
  }

  static max(a: Decimal, b: Decimal): Decimal {
    return a.compare(b) >= 0 ? a : b;
  }

  add(other: Decimal): Decimal {
    // Zero is the commonest operand in risk sums (no position, no open orders).
    if (other === Decimal.ZERO) return this;
    if (this === Decimal.ZERO) return other;
    if (this.scale !== SLOW && other.scale !== SLOW) {
      const sum = alignedSum(this.mantissa, this.scale, other.mantissa, other.scale);
      if (sum !== null) return sum;
    }
    return fromBig(this.units + other.units);
  }

  sub(other: Decimal): Decimal {
    if (other === Decimal.ZERO) return this;
    if (this.scale !== SLOW && other.scale !== SLOW) {
      const difference = alignedSum(this.mantissa, this.scale, -other.mantissa, other.scale);
      if (difference !== null) return difference;
    }
    return fromBig(this.units - other.units);
  }

  /** Product, rounded toward zero at 18 fractional digits (exact for exchange precisions). */
  mul(other: Decimal): Decimal {
    if (this === Decimal.ZERO || other === Decimal.ZERO) return Decimal.ZERO;
    if (this.scale !== SLOW && other.scale !== SLOW) {
      const product = this.mantissa * other.mantissa;
      if (Number.isSafeInteger(product)) {
        const scale = this.scale + other.scale;
        if (scale <= SCALE_DIGITS) return fast(product, scale);
        // Truncate the digits beyond the 18th toward zero: both steps exact on safe integers.
        const divisor = POW10[scale - SCALE_DIGITS] as number;
        return fast((product - (product % divisor)) / divisor, SCALE_DIGITS);
      }
    }
    return fromBig((this.units * other.units) / SCALE);
  }

  /** Quotient at 18 fractional digits with the given rounding. Throws on division by zero. */
  div(other: Decimal, rounding: RoundingMode = 'half-even'): Decimal {
    if (other.isZero()) throw new RangeError('division by zero');
    if (this.scale !== SLOW && other.scale !== SLOW) {
      const exact = exactQuotient(this.mantissa, this.scale, other.mantissa, other.scale);
      if (exact) return exact;
    }
    const numerator = this.units * SCALE;
    return fromBig(divideRounded(numerator, other.units, rounding));
  }

  neg(): Decimal {
    if (this.scale === SLOW) return new Decimal(-this.mantissa, SLOW, -this.big);
    return this.mantissa === 0 ? this : new Decimal(-this.mantissa, this.scale, 0n);
  }

  abs(): Decimal {
    return this.isNegative() ? this.neg() : this;
  }

  cmp(other: Decimal): -1 | 0 | 1 {
    const c = this.compare(other);
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }

  eq(other: Decimal): boolean {
    return this.compare(other) === 0;
  }

  lt(other: Decimal): boolean {
    return this.compare(other) < 0;
  }

  lte(other: Decimal): boolean {
    return this.compare(other) <= 0;
  }

  gt(other: Decimal): boolean {
    return this.compare(other) > 0;
  }

  gte(other: Decimal): boolean {
    return this.compare(other) >= 0;
  }

  isZero(): boolean {
    // The BigInt form never holds zero (zero's mantissa fits).
    return this.mantissa === 0 && this.scale !== SLOW;
  }

  isNegative(): boolean {
    return this.scale === SLOW ? this.big < 0n : this.mantissa < 0;
  }

  isPositive(): boolean {
    return this.scale === SLOW ? this.big > 0n : this.mantissa > 0;
  }

  /** True when this value is a whole multiple of `step` (a price tick or lot size). */
  isMultipleOf(step: Decimal): boolean {
    if (!step.isPositive()) throw new RangeError('step must be positive');
    if (this.scale !== SLOW && step.scale !== SLOW) {
      const scale = this.scale > step.scale ? this.scale : step.scale;
      const a = this.mantissa * (POW10[scale - this.scale] as number);
      const b = step.mantissa * (POW10[scale - step.scale] as number);
      if (Number.isSafeInteger(a) && Number.isSafeInteger(b)) return a % b === 0;
    }
    return this.units % step.units === 0n;
  }

  /** Rounds to `digits` fractional digits with the given rounding mode. */
  round(digits: number, rounding: RoundingMode = 'half-even'): Decimal {
    if (!Number.isInteger(digits) || digits < 0 || digits > SCALE_DIGITS) {
      throw new RangeError(`digits must be an integer in 0..${SCALE_DIGITS}`);
    }
    if (this.scale !== SLOW && this.scale <= digits) return this;
    const step = 10n ** BigInt(SCALE_DIGITS - digits);
    return fromBig(divideRounded(this.units, step, rounding) * step);
  }

  /** Float approximation for statistics and metrics only; never compare limits with it. */
  toNumber(): number {
    return Number(this.toString());
  }

  /** Canonical text: no exponent, no trailing fractional zeros, `-0` never produced. */
  toString(): string {
    if (this.scale !== SLOW) {
      const m = this.mantissa;
      const digits = String(m < 0 ? -m : m);
      const sign = m < 0 ? '-' : '';
      const s = this.scale;
      if (s === 0) return sign + digits;
      // The canonical mantissa has no trailing zero: nothing to strip.
      const padded = digits.length > s ? digits : digits.padStart(s + 1, '0');
      return `${sign}${padded.slice(0, padded.length - s)}.${padded.slice(padded.length - s)}`;
    }
    const units = this.big;
    const negative = units < 0n;
    const magnitude = negative ? -units : units;
    const intPart = magnitude / SCALE;
    const fracPart = magnitude % SCALE;
    let text = intPart.toString();
    if (fracPart !== 0n) {
      text += `.${fracPart.toString().padStart(SCALE_DIGITS, '0').replace(/0+$/, '')}`;
    }
    return negative ? `-${text}` : text;
  }

  /** Text with exactly `digits` fractional digits (rounded half-even). */
  toFixed(digits: number): string {
    const rounded = this.round(digits).units;
    const negative = rounded < 0n;
    const magnitude = negative ? -rounded : rounded;
    const intPart = (magnitude / SCALE).toString();
    if (digits === 0) return negative ? `-${intPart}` : intPart;
    const frac = (magnitude % SCALE).toString().padStart(SCALE_DIGITS, '0').slice(0, digits);
    return `${negative ? '-' : ''}${intPart}.${frac}`;
  }

  toJSON(): string {
    return this.toString();
  }

  /** Sign of this - other, exactly. */
  private compare(other: Decimal): number {
    const s1 = this.scale;
    const s2 = other.scale;
    if (s1 !== SLOW && s2 !== SLOW) {
      if (s1 === s2) return this.mantissa - other.mantissa;
      // Aligned mantissas compare exactly while both are safe integers.
      const a = s1 < s2 ? this.mantissa * (POW10[s2 - s1] as number) : this.mantissa;
      const b = s2 < s1 ? other.mantissa * (POW10[s1 - s2] as number) : other.mantissa;
      if (Number.isSafeInteger(a) && Number.isSafeInteger(b)) return a - b;
    } else {
      // A BigInt-form operand: the doubles nearest to both values are each within 2.3e-16
      // of them (relative), so a gap of more than 1e-12 of their size is the true sign.
      // Closer (or not finite) values are compared exactly below.
      const a = s1 === SLOW ? this.mantissa : this.mantissa / (POW10[s1] as number);
      const b = s2 === SLOW ? other.mantissa : other.mantissa / (POW10[s2] as number);
      const gap = a - b;
      if (Math.abs(gap) > 1e-12 * (Math.abs(a) + Math.abs(b))) return gap;
    }
    const x = this.units;
    const y = other.units;
    return x < y ? -1 : x > y ? 1 : 0;
  }
}

/**
 * The fast form of `mantissa / 10^scale` (mantissa a safe integer, scale in 0..18), with
 * trailing zero digits dropped so that each value has one form. Division of a multiple of
 * ten by ten is exact in doubles. Every zero is Decimal.ZERO itself (made only here and in
 * fromBig, neg keeps it), which add, sub and mul test by identity.
 */
function fast(mantissa: number, scale: number): Decimal {
  if (mantissa === 0) return Decimal.ZERO;
  let m = mantissa;
  let s = scale;
  // m / 10 is an integer exactly when 10 divides m: below 2^53 a tenth's remainder (0.1 to
  // 0.9) is more than half the spacing of doubles there (at most 0.125), so it never rounds
  // away. A division is much cheaper than % on doubles, which V8 leaves to a C function.
  while (s > 0) {
    const tenth = m / 10;
    if (!Number.isInteger(tenth)) break;
    m = tenth;
    s--;
  }
  return new (Decimal as unknown as DecimalConstructor)(m, s, 0n);
}

/**
 * m1 / 10^s1 + m2 / 10^s2 in the fast form, or null when an aligned mantissa or the sum is
 * not a safe integer. Every step is checked, so a result rests on exact steps only (an
 * aligned mantissa past 2^53 could not in fact give a safe sum, but that takes a proof).
 */
function alignedSum(m1: number, s1: number, m2: number, s2: number): Decimal | null {
  let a = m1;
  let b = m2;
  let scale = s1;
  if (s1 < s2) {
    a = m1 * (POW10[s2 - s1] as number);
    if (!Number.isSafeInteger(a)) return null;
    scale = s2;
  } else if (s2 < s1) {
    b = m2 * (POW10[s1 - s2] as number);
    if (!Number.isSafeInteger(b)) return null;
  }
  const sum = a + b;
  return Number.isSafeInteger(sum) ? fast(sum, scale) : null;
}

/** The canonical form of a value given in 10^-18 units: fast when its mantissa fits. */
function fromBig(units: bigint): Decimal {
  if (units === 0n) return Decimal.ZERO;
  // Largest k <= 18 with 10^k dividing units (divisibility by 10^k is monotone in k).
  let k = 0;
  for (const step of ZERO_STEPS) {
    if (k + step <= SCALE_DIGITS && units % (POW10_BIG[k + step] as bigint) === 0n) k += step;
  }
  const mantissa = k === 0 ? units : units / (POW10_BIG[k] as bigint);
  if (mantissa <= MAX_SAFE_BIG && mantissa >= -MAX_SAFE_BIG) {
    return new (Decimal as unknown as DecimalConstructor)(Number(mantissa), SCALE_DIGITS - k, 0n);
  }
  return new (Decimal as unknown as DecimalConstructor)(Number(units) / SCALE_NUMBER, SLOW, units);
}

const ZERO_STEPS = [16, 8, 4, 2, 1] as const;
/** 10^18, exact as a double (5^18 < 2^53). */
const SCALE_NUMBER = 1e18;
const MAX_SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER);

/** The private constructor, for the two factories above (they are the class's own code). */
type DecimalConstructor = new (mantissa: number, scale: number, big: bigint) => Decimal;

/**
 * (m1 / 10^s1) / (m2 / 10^s2) when it is exact within 18 fractional digits and its figures
 * stay safe integers, else null (the caller then divides in BigInt and rounds). An exact
 * quotient needs no rounding, so every rounding mode gives it.
 */
function exactQuotient(m1: number, s1: number, m2: number, s2: number): Decimal | null {
  if (m1 === 0) return Decimal.ZERO;
  // quotient = (numerator / m2) / 10^scale
  let numerator = m1;
  let scale = s1 - s2;
  for (;;) {
    if (numerator % m2 === 0) {
      let quotient = numerator / m2;
      if (scale < 0) {
        quotient *= POW10[-scale] as number;
        if (!Number.isSafeInteger(quotient)) return null;
        scale = 0;
      }
      return fast(quotient, scale);
    }
    if (scale >= SCALE_DIGITS) return null;
    numerator *= 10;
    if (!Number.isSafeInteger(numerator)) return null;
    scale++;
  }
}

function divideRounded(numerator: bigint, denominator: bigint, rounding: RoundingMode): bigint {
  const quotient = numerator / denominator; // truncates toward zero
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

/** Shorthand for {@link Decimal.parse}, for literals in code and tests. */
export function dec(input: string): Decimal {
  return Decimal.parse(input);
}
