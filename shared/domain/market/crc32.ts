import { codeAt } from './ascii.js';

/**
 * CRC-32 (ISO 3309 / zlib polynomial 0xEDB88320) over ASCII text, table driven. Kraken's book
 * checksum hashes only digits, so the text is read with `codeAt` (see ascii.ts) and never copied into a
 * Buffer: the checksum runs on every book message and must not allocate.
 */
const TABLE = buildTable();

function buildTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/** Initial running value for {@link crc32Update}. */
export const CRC32_INIT = 0xffffffff;

/**
 * Feeds `text` (ASCII only) into a running CRC. Start from {@link CRC32_INIT} and finish
 * with {@link crc32Final}. Throws on a non-ASCII character rather than hashing something
 * other than the bytes Kraken hashed.
 */
export function crc32Update(crc: number, text: string): number {
  let c = crc;
  for (let i = 0; i < text.length; i++) {
    const code = codeAt(text, i);
    if (code > 0x7f) throw new RangeError('crc32Update hashes ASCII text only');
    c = (TABLE[(c ^ code) & 0xff] as number) ^ (c >>> 8);
  }
  return c;
}

/**
 * Hashes the checksum text Kraken derives from the decimals of a book level: each one's
 * digits with the decimal point removed and the leading zeros stripped (`"0.00100000"` ->
 * `100000`), read straight from the decimal text, without building that digit string, and
 * counts the characters hashed (for {@link crc32Append}). Each text is a validated plain
 * decimal (digits and at most one point), as the book holds it.
 */
export class DecimalDigitsHash {
  /** Running CRC register (start from 0 for a part {@link crc32Append} composes). */
  crc = 0;
  /** Characters hashed so far. */
  length = 0;

  add(text: string): void {
    const n = text.length;
    let i = 0;
    while (i < n) {
      const code = codeAt(text, i);
      if (code !== 48 && code !== 46) break;
      i++;
    }
    let c = this.crc;
    let length = this.length;
    for (; i < n; i++) {
      const code = codeAt(text, i);
      if (code === 46) continue;
      if (code > 0x7f) throw new RangeError('DecimalDigitsHash hashes ASCII text only');
      c = (TABLE[(c ^ code) & 0xff] as number) ^ (c >>> 8);
      length++;
    }
    this.crc = c;
    this.length = length;
  }
}

/**
 * Appending a text to a running CRC without reading the text again. The register update
 * per byte, c -> TABLE[(c ^ b) & 0xff] ^ (c >>> 8), is linear over GF(2), so after the L
 * bytes of B the register is F_L(c) ^ R(B): F_L is "L zero bytes" applied to c (a linear
 * map, applied here as four 256-entry tables, one per byte of c) and R(B) is B hashed from a
 * zero register ({@link crc32Update} with `crc` 0). A book level hashes its checksum text
 * once, when it is created, and the book's checksum composes twenty such hashes per message
 * instead of hashing ~300 digits: the same CRC-32, bit for bit (tests compare both).
 */
export function crc32Append(crc: number, raw: number, length: number): number {
  let c = crc;
  let left = length;
  while (left > SHIFT_MAX) {
    c = shift(c, SHIFT_MAX);
    left -= SHIFT_MAX;
  }
  return shift(c, left) ^ raw;
}

const SHIFT_MAX = 64;
/** SHIFT[L]: F_L as 4 x 256 entries (entry k * 256 + v is F_L(v << 8k)); built on first use. */
const SHIFT: (Int32Array | undefined)[] = [];

function shift(c: number, length: number): number {
  const t = SHIFT[length] ?? buildShift(length);
  return (
    (t[c & 0xff] as number) ^
    (t[256 + ((c >>> 8) & 0xff)] as number) ^
    (t[512 + ((c >>> 16) & 0xff)] as number) ^
    (t[768 + (c >>> 24)] as number)
  );
}

function buildShift(length: number): Int32Array {
  const table = new Int32Array(1024);
  for (let k = 0; k < 4; k++) {
    for (let v = 0; v < 256; v++) {
      let c = v << (8 * k);
      for (let n = 0; n < length; n++) c = (TABLE[c & 0xff] as number) ^ (c >>> 8);
      table[k * 256 + v] = c;
    }
  }
  SHIFT[length] = table;
  return table;
}

/** Unsigned 32-bit result of a running CRC. */
export function crc32Final(crc: number): number {
  return (crc ^ 0xffffffff) >>> 0;
}

/** CRC-32 of ASCII `text`, unsigned. */
export function crc32(text: string): number {
  return crc32Final(crc32Update(CRC32_INIT, text));
}
