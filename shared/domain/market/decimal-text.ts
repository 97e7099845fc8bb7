import { codeAt } from './ascii.js';
/**
 * Exact handling of the decimal text of prices and quantities as Kraken sent them. The
 * parser keeps each JSON number's source text (see kraken-v2.ts), and these helpers render
 * it at the instrument's precision without ever passing through a binary float.
 */

/** Thrown when a price or quantity cannot be represented at the instrument's precision. */
export class PrecisionError extends Error {
  override readonly name = 'PrecisionError';
}

const PLAIN = /^(\d+)(?:\.(\d*))?$/;
const EXPONENT = /^(\d+)(?:\.(\d*))?[eE]([+-]?\d+)$/;

/**
 * The digits of a non-negative decimal `text` at exactly `decimals` fractional digits, with
 * the decimal point removed: `("45283.5", 1)` -> `"452835"`, `("0.001", 8)` -> `"000100000"`
 * (leading zeros kept; strip them for a checksum). Exponent notation (`1e-8`) is accepted.
 * Extra fractional digits are allowed only when they are zeros: anything else means the
 * precision is wrong, and rounding would hide it.
 */
export function scaledDigits(text: string, decimals: number): string {
  const fast = plainScaled(text, decimals);
  if (fast !== undefined) return fast;
  let intPart: string;
  let fracPart: string;
  const plain = PLAIN.exec(text);
  if (plain) {
    intPart = plain[1] as string;
    fracPart = plain[2] ?? '';
  } else {
    const exp = EXPONENT.exec(text);
    if (!exp) throw new PrecisionError(`not a non-negative decimal: ${JSON.stringify(text.slice(0, 40))}`);
    const digits = `${exp[1]}${exp[2] ?? ''}`;
    const point = (exp[1] as string).length + Number(exp[3]);
    if (point <= 0) {
      intPart = '0';
      fracPart = '0'.repeat(-point) + digits;
    } else if (point >= digits.length) {
      intPart = digits + '0'.repeat(point - digits.length);
      fracPart = '';
    } else {
      intPart = digits.slice(0, point);
      fracPart = digits.slice(point);
    }
  }
  if (fracPart.length > decimals) {
    const extra = fracPart.slice(decimals);
    for (let i = 0; i < extra.length; i++) {
      if (codeAt(extra, i) !== 48) {
        throw new PrecisionError(`${text} has more than ${decimals} fractional digits`);
      }
    }
    fracPart = fracPart.slice(0, decimals);
  } else if (fracPart.length < decimals) {
    fracPart = fracPart + '0'.repeat(decimals - fracPart.length);
  }
  return intPart + fracPart;
}

/**
 * Hot path of {@link scaledDigits}: plain `digits[.digits]` text with at most `decimals`
 * fractional digits, checked char by char (no regex, one concatenation). Undefined when the
 * text needs the general path.
 */
function plainScaled(text: string, decimals: number): string | undefined {
  const n = text.length;
  let dot = -1;
  for (let i = 0; i < n; i++) {
    const c = codeAt(text, i);
    if (c === 46) {
      if (dot >= 0 || i === 0) return undefined;
      dot = i;
    } else if (c < 48 || c > 57) {
      return undefined;
    }
  }
  if (n === 0 || dot === n - 1) return undefined;
  if (dot < 0) return decimals === 0 ? text : text + ZEROS.slice(0, decimals);
  const frac = n - dot - 1;
  if (frac > decimals || decimals - frac > ZEROS.length) return undefined;
  return text.slice(0, dot) + text.slice(dot + 1) + ZEROS.slice(0, decimals - frac);
}

const ZEROS = '000000000000000000';

/** `digits` without leading zeros (`"000100000"` -> `"100000"`, `"0000"` -> `""`). */
export function stripLeadingZeros(digits: string): string {
  let i = 0;
  while (i < digits.length && codeAt(digits, i) === 48) i++;
  return i === 0 ? digits : digits.slice(i);
}

/** Decimal text of an integer count of 10^-decimals units: `(452835, 1)` -> `"45283.5"`. */
export function formatScaled(units: number | bigint, decimals: number): string {
  const negative = units < 0;
  let digits = (negative ? -units : units).toString();
  if (decimals === 0) return negative ? `-${digits}` : digits;
  if (digits.length <= decimals) digits = '0'.repeat(decimals - digits.length + 1) + digits;
  const text = `${digits.slice(0, digits.length - decimals)}.${digits.slice(digits.length - decimals)}`;
  return negative ? `-${text}` : text;
}

/** Exact powers of ten as doubles (10^22 is the last one a double holds exactly). */
const POW10: readonly number[] = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * The integer count of 10^-decimals units in a non-negative decimal `text`, exact, in one
 * pass over the text (no intermediate digit string): `("45283.5", 1)` -> 452835. Throws
 * {@link PrecisionError} when the text is not a decimal, has non-zero digits beyond
 * `decimals`, or the count is beyond 2^53 (the same refusals as `Number(scaledDigits(...))`
 * plus the range check, which it falls back to for anything but plain `digits[.digits]`).
 */
export function scaledInteger(text: string, decimals: number): number {
  const n = text.length;
  let value = 0;
  let dot = -1;
  for (let i = 0; i < n; i++) {
    const c = codeAt(text, i);
    if (c >= 48 && c <= 57) value = value * 10 + (c - 48);
    else if (c === 46 && dot < 0 && i > 0) dot = i;
    else return checkedInteger(Number(scaledDigits(text, decimals)), text);
  }
  const frac = dot < 0 ? 0 : n - dot - 1;
  if (n === 0 || dot === n - 1 || frac > decimals || decimals - frac >= POW10.length) {
    return checkedInteger(Number(scaledDigits(text, decimals)), text);
  }
  // Every step is an exact integer operation on doubles while the value stays below 2^53;
  // past it the result stays past it (rounding is monotone) and is refused below.
  return checkedInteger(value * (POW10[decimals - frac] as number), text);
}

function checkedInteger(value: number, text: string): number {
  if (!Number.isSafeInteger(value)) throw new PrecisionError(`${text} is beyond exact integer range`);
  return value;
}

/**
 * Classifies plain decimal `text` (`digits[.digits]`) at `decimals`: {@link DECIMAL_ZERO}
 * (its value is 0), {@link DECIMAL_CANONICAL} (exactly `decimals` fractional digits and no
 * superfluous leading zero, i.e. what {@link formatScaled} would render), or
 * {@link DECIMAL_OTHER} (anything else: other plain or exponent forms, invalid text; the
 * caller takes the general path, which renders or refuses it).
 */
export function classifyDecimal(text: string, decimals: number): number {
  const n = text.length;
  let dot = -1;
  let nonZero = false;
  for (let i = 0; i < n; i++) {
    const c = codeAt(text, i);
    if (c > 48 && c <= 57) nonZero = true;
    else if (c === 46 && dot < 0 && i > 0) dot = i;
    else if (c !== 48) return DECIMAL_OTHER;
  }
  if (n === 0 || dot === n - 1) return DECIMAL_OTHER;
  const frac = dot < 0 ? 0 : n - dot - 1;
  if (frac > decimals) return DECIMAL_OTHER;
  if (!nonZero) return DECIMAL_ZERO;
  const intDigits = dot < 0 ? n : dot;
  return frac === decimals && (intDigits === 1 || codeAt(text, 0) !== 48) ? DECIMAL_CANONICAL : DECIMAL_OTHER;
}

export const DECIMAL_OTHER = 0;
export const DECIMAL_ZERO = 1;
export const DECIMAL_CANONICAL = 2;
