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

/** Unsigned 32-bit result of a running CRC. */
export function crc32Final(crc: number): number {
  return (crc ^ 0xffffffff) >>> 0;
}

/** CRC-32 of ASCII `text`, unsigned. */
export function crc32(text: string): number {
  return crc32Final(crc32Update(CRC32_INIT, text));
}
