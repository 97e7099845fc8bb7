import { codeAt } from './ascii.js';
import { CRC32_INIT, crc32Append, crc32Final, DecimalDigitsHash } from './crc32.js';
import {
  classifyDecimal,
  DECIMAL_CANONICAL,
  DECIMAL_ZERO,
  formatScaled,
  scaledDigits,
  scaledInteger,
  stripLeadingZeros,
} from './decimal-text.js';

/** Price and quantity precision of a pair, from Kraken's `instrument` channel. */
export interface PairPrecision {
  readonly pricePrecision: number;
  readonly qtyPrecision: number;
}

/** One price level as it arrived: the exact decimal text of price and quantity. */
export interface LevelText {
  readonly price: string;
  readonly qty: string;
}

/**
 * A level held by the book. `ticks` is the price as an integer count of the pair's price
 * unit (exact: refused beyond 2^53), used for ordering; `price`/`qty` are canonical text at
 * the pair's precision, so their digits are what the level contributes to Kraken's
 * checksum ({@link checksumText}). `crc` is that text hashed from a zero register and
 * `crcLength` its length: the book's checksum composes them ({@link crc32Append}).
 */
export interface BookLevel {
  readonly ticks: number;
  readonly price: string;
  readonly qty: string;
  readonly crc: number;
  readonly crcLength: number;
}

/** What a level contributes to Kraken's checksum: price then qty, each without point and leading zeros. */
export function checksumText(level: BookLevel): string {
  const digits = (text: string) => stripLeadingZeros(text.replace('.', ''));
  return digits(level.price) + digits(level.qty);
}

/** Book depths Kraken's v2 `book` channel accepts. */
export const KRAKEN_BOOK_DEPTHS = [10, 25, 100, 500, 1000] as const;
export type BookDepth = (typeof KRAKEN_BOOK_DEPTHS)[number];

/** Reused for every level built (the book path is synchronous). */
const LEVEL_HASH = new DecimalDigitsHash();

/** Kraken hashes the top 10 levels of each side, whatever the subscribed depth. */
const CHECKSUM_LEVELS = 10;

/**
 * A Kraken v2 L2 order book for one pair: applies snapshots and updates, deletes a level on
 * quantity 0, truncates to the subscribed depth after each whole message (Kraken sends no
 * delete for levels that fall out of range) and computes the CRC32 checksum over the top 10
 * asks (ascending) then the top 10 bids (descending).
 *
 * Levels live in two small sorted arrays (best first): at depth 10-25 a binary search plus a
 * splice beats any tree, and the checksum reads the first ten entries in order.
 */
export class OrderBook {
  /** Best (highest) first. */
  readonly bids: BookLevel[] = [];
  /** Best (lowest) first. */
  readonly asks: BookLevel[] = [];

  /*
   * Checksum prefixes per side, so a message recomputes only from the first hashed level
   * it changed: askPrefix[i] is the CRC register after the first i asks starting from
   * CRC32_INIT, bidPrefix[i] the register after the first i bids starting from 0 (with
   * bidPrefixLength[i] characters), composed with crc32Append. Entries 0..askValid
   * (bidValid) hold; every change at index k lowers the side's mark to k. An update on the
   * bids alone, or below the top ten, leaves the asks' part untouched.
   */
  private readonly askPrefix = new Int32Array(CHECKSUM_LEVELS + 1);
  private readonly bidPrefix = new Int32Array(CHECKSUM_LEVELS + 1);
  private readonly bidPrefixLength = new Int32Array(CHECKSUM_LEVELS + 1);
  private askValid = 0;
  private bidValid = 0;

  constructor(
    readonly symbol: string,
    readonly depth: number,
    readonly precision: PairPrecision,
  ) {
    if (!Number.isInteger(depth) || depth < 1) throw new RangeError('depth must be a positive integer');
    this.askPrefix[0] = CRC32_INIT;
  }

  /** Replaces the whole book. */
  applySnapshot(bids: readonly LevelText[], asks: readonly LevelText[]): void {
    this.bids.length = 0;
    this.asks.length = 0;
    this.bidValid = 0;
    this.askValid = 0;
    this.applyUpdate(bids, asks);
  }

  /** Applies every level of one message in order, then truncates both sides to the depth. */
  applyUpdate(bids: readonly LevelText[], asks: readonly LevelText[]): void {
    let bidValid = this.bidValid;
    for (let i = 0; i < bids.length; i++) {
      const changed = this.applyLevel(this.bids, bids[i] as LevelText, true);
      if (changed < bidValid) bidValid = changed;
    }
    let askValid = this.askValid;
    for (let i = 0; i < asks.length; i++) {
      const changed = this.applyLevel(this.asks, asks[i] as LevelText, false);
      if (changed < askValid) askValid = changed;
    }
    // Truncation drops only levels at index depth and beyond; a cached prefix covers at most
    // the levels a side held after the previous message (never more than depth), so it holds.
    if (this.bids.length > this.depth) this.bids.length = this.depth;
    if (this.asks.length > this.depth) this.asks.length = this.depth;
    this.bidValid = bidValid;
    this.askValid = askValid;
  }

  /**
   * Kraken's CRC32 of the current book (unsigned): the top 10 asks then the top 10 bids,
   * recomposed only from the first level that changed on each side since the last call.
   */
  checksum(): number {
    const asks = Math.min(CHECKSUM_LEVELS, this.asks.length);
    const askPrefix = this.askPrefix;
    let i = Math.min(this.askValid, asks);
    let ask = askPrefix[i] as number;
    for (; i < asks; i++) {
      const level = this.asks[i] as BookLevel;
      ask = crc32Append(ask, level.crc, level.crcLength);
      askPrefix[i + 1] = ask;
    }
    this.askValid = asks;
    const bids = Math.min(CHECKSUM_LEVELS, this.bids.length);
    const bidPrefix = this.bidPrefix;
    const bidPrefixLength = this.bidPrefixLength;
    let j = Math.min(this.bidValid, bids);
    let bid = bidPrefix[j] as number;
    let bidLength = bidPrefixLength[j] as number;
    for (; j < bids; j++) {
      const level = this.bids[j] as BookLevel;
      bid = crc32Append(bid, level.crc, level.crcLength);
      bidLength += level.crcLength;
      bidPrefix[j + 1] = bid;
      bidPrefixLength[j + 1] = bidLength;
    }
    this.bidValid = bids;
    return crc32Final(crc32Append(ask, bid, bidLength));
  }

  /** The checksum composed from every level, no cache: what {@link checksum} must equal. */
  checksumUncached(): number {
    let crc = CRC32_INIT;
    const asks = Math.min(CHECKSUM_LEVELS, this.asks.length);
    for (let i = 0; i < asks; i++) {
      const level = this.asks[i] as BookLevel;
      crc = crc32Append(crc, level.crc, level.crcLength);
    }
    const bids = Math.min(CHECKSUM_LEVELS, this.bids.length);
    for (let i = 0; i < bids; i++) {
      const level = this.bids[i] as BookLevel;
      crc = crc32Append(crc, level.crc, level.crcLength);
    }
    return crc32Final(crc);
  }

  bestBid(): BookLevel | undefined {
    return this.bids[0];
  }

  bestAsk(): BookLevel | undefined {
    return this.asks[0];
  }

  /**
   * Builds a level from exact text; exported for the fake exchange and tests. One pass over
   * each text in the usual case (plain decimal already at the pair's precision, as Kraken
   * sends it); other forms go through {@link scaledDigits}, which renders or refuses them.
   */
  static level(input: LevelText, precision: PairPrecision): BookLevel {
    const ticks = scaledInteger(input.price, precision.pricePrecision);
    const price = isCanonical(input.price, precision.pricePrecision)
      ? input.price
      : formatScaled(ticks, precision.pricePrecision);
    const kind = classifyDecimal(input.qty, precision.qtyPrecision);
    let qty: string;
    if (kind === DECIMAL_CANONICAL) qty = input.qty;
    else if (kind === DECIMAL_ZERO) qty = '0';
    else {
      const qtyDigits = scaledDigits(input.qty, precision.qtyPrecision);
      qty =
        stripLeadingZeros(qtyDigits) === ''
          ? '0'
          : isCanonical(input.qty, precision.qtyPrecision)
            ? input.qty
            : formatScaledText(qtyDigits, precision.qtyPrecision);
    }
    // A deleted level (qty 0) is never hashed: no checksum text for it.
    if (qty === '0') return { ticks, price, qty, crc: 0, crcLength: 0 };
    const hash = LEVEL_HASH;
    hash.crc = 0;
    hash.length = 0;
    hash.add(price);
    hash.add(qty);
    return { ticks, price, qty, crc: hash.crc, crcLength: hash.length };
  }

  /** Applies one level; returns the first index whose level changed (CHECKSUM_LEVELS when none did). */
  private applyLevel(side: BookLevel[], input: LevelText, descending: boolean): number {
    const level = OrderBook.level(input, this.precision);
    // Binary search for the level's slot, best first.
    let lo = 0;
    let hi = side.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const t = (side[mid] as BookLevel).ticks;
      if (descending ? t > level.ticks : t < level.ticks) lo = mid + 1;
      else hi = mid;
    }
    const existing = side[lo];
    const found = existing !== undefined && existing.ticks === level.ticks;
    // In place, without splice: splice allocates the array of removed elements.
    if (level.qty === '0') {
      if (!found) return CHECKSUM_LEVELS;
      const last = side.length - 1;
      for (let i = lo; i < last; i++) side[i] = side[i + 1] as BookLevel;
      side.pop();
      return lo;
    }
    if (found) {
      side[lo] = level;
      return lo;
    }
    side.push(level);
    for (let i = side.length - 1; i > lo; i--) side[i] = side[i - 1] as BookLevel;
    side[lo] = level;
    return lo;
  }
}

/**
 * True when `text` (already validated by scaledDigits) is exactly the canonical rendering at
 * `decimals`: that many fractional digits and no superfluous leading zero. Kraken's own
 * text usually is, so the level keeps it instead of re-rendering.
 */
function isCanonical(text: string, decimals: number): boolean {
  const dot = text.indexOf('.');
  if (decimals === 0) return dot < 0 && (text.length === 1 || codeAt(text, 0) !== 48);
  return dot > 0 && text.length - dot - 1 === decimals && (dot === 1 || codeAt(text, 0) !== 48);
}

/** Decimal text of a digit string holding `decimals` fractional digits (no float, no BigInt). */
function formatScaledText(digits: string, decimals: number): string {
  const stripped = stripLeadingZeros(digits);
  const padded = stripped.length <= decimals ? '0'.repeat(decimals - stripped.length + 1) + stripped : stripped;
  if (decimals === 0) return padded;
  return `${padded.slice(0, padded.length - decimals)}.${padded.slice(padded.length - decimals)}`;
}
