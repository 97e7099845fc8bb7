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

export class Decimal {
  static readonly ZERO = new Decimal(0n);
  static readonly ONE = new Decimal(SCALE);
  static readonly FRACTION_DIGITS = SCALE_DIGITS;

  /** Raw value in 10^-18 units; exposed for serialisation and tests, not for arithmetic. */
  readonly units: bigint;

  private constructor(units: bigint) {
    this.units = units;
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
    const significantInt = intPart.replace(/^0+(?=\d)/, '');
    if (significantInt.length > MAX_INTEGER_DIGITS) {
      throw new InvalidDecimalError(input, `more than ${MAX_INTEGER_DIGITS} integer digits`);
    }
    const units = BigInt(intPart) * SCALE + BigInt(fracPart.padEnd(SCALE_DIGITS, '0') || '0');
    return new Decimal(sign ? -units : units);
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
    if (typeof value === 'number' && !Number.isSafeInteger(value)) {
      throw new InvalidDecimalError(String(value), 'not a safe integer');
    }
    return new Decimal(BigInt(value) * SCALE);
  }

  /** Builds a decimal from raw 10^-18 units (the inverse of {@link units}). */
  static fromUnits(units: bigint): Decimal {
    return new Decimal(units);
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
    return a.units <= b.units ? a : b;
  }

  static max(a: Decimal, b: Decimal): Decimal {
    return a.units >= b.units ? a : b;
  }

  add(other: Decimal): Decimal {
    return new Decimal(this.units + other.units);
  }

  sub(other: Decimal): Decimal {
    return new Decimal(this.units - other.units);
  }

  /** Product, rounded toward zero at 18 fractional digits (exact for exchange precisions). */
  mul(other: Decimal): Decimal {
    return new Decimal((this.units * other.units) / SCALE);
  }

  /** Quotient at 18 fractional digits with the given rounding. Throws on division by zero. */
  div(other: Decimal, rounding: RoundingMode = 'half-even'): Decimal {
    if (other.units === 0n) throw new RangeError('division by zero');
    const numerator = this.units * SCALE;
    return new Decimal(divideRounded(numerator, other.units, rounding));
  }

  neg(): Decimal {
    return new Decimal(-this.units);
  }

  abs(): Decimal {
    return this.units < 0n ? new Decimal(-this.units) : this;
  }

  cmp(other: Decimal): -1 | 0 | 1 {
    return this.units < other.units ? -1 : this.units > other.units ? 1 : 0;
  }

  eq(other: Decimal): boolean {
    return this.units === other.units;
  }

  lt(other: Decimal): boolean {
    return this.units < other.units;
  }

  lte(other: Decimal): boolean {
    return this.units <= other.units;
  }

  gt(other: Decimal): boolean {
    return this.units > other.units;
  }

  gte(other: Decimal): boolean {
    return this.units >= other.units;
  }

  isZero(): boolean {
    return this.units === 0n;
  }

  isNegative(): boolean {
    return this.units < 0n;
  }

  isPositive(): boolean {
    return this.units > 0n;
  }

  /** True when this value is a whole multiple of `step` (a price tick or lot size). */
  isMultipleOf(step: Decimal): boolean {
    if (step.units <= 0n) throw new RangeError('step must be positive');
    return this.units % step.units === 0n;
  }

  /** Rounds to `digits` fractional digits with the given rounding mode. */
  round(digits: number, rounding: RoundingMode = 'half-even'): Decimal {
    if (!Number.isInteger(digits) || digits < 0 || digits > SCALE_DIGITS) {
      throw new RangeError(`digits must be an integer in 0..${SCALE_DIGITS}`);
    }
    const step = 10n ** BigInt(SCALE_DIGITS - digits);
    return new Decimal(divideRounded(this.units, step, rounding) * step);
  }

  /** Float approximation for statistics and metrics only; never compare limits with it. */
  toNumber(): number {
    return Number(this.toString());
  }

  /** Canonical text: no exponent, no trailing fractional zeros, `-0` never produced. */
  toString(): string {
    const negative = this.units < 0n;
    const magnitude = negative ? -this.units : this.units;
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
    const rounded = this.round(digits);
    const negative = rounded.units < 0n;
    const magnitude = negative ? -rounded.units : rounded.units;
    const intPart = (magnitude / SCALE).toString();
    if (digits === 0) return negative ? `-${intPart}` : intPart;
    const frac = (magnitude % SCALE).toString().padStart(SCALE_DIGITS, '0').slice(0, digits);
    return `${negative ? '-' : ''}${intPart}.${frac}`;
  }

  toJSON(): string {
    return this.toString();
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
