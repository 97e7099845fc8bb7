import { codeAt } from './ascii.js';
import type { LevelText } from './order-book.js';

/**
 * Kraken WebSocket v2 (wss://ws.kraken.com/v2) public messages: parsing and requests.
 *
 * Kraken puts prices and quantities on the wire as JSON numbers at full precision
 * (`"qty":0.00100000`), and `JSON.parse` would turn them into binary floats and drop the
 * trailing zeros the checksum needs. Channel frames are therefore parsed losslessly: every
 * numeric value is quoted before `JSON.parse`, so each number arrives here as its exact
 * source text. Channel frames carry no free text (symbols, sides, timestamps only), which
 * makes the rewrite safe; method responses (acks, errors, pong) may carry free text and are
 * parsed as they are.
 */

export type BookType = 'snapshot' | 'update';

export interface BookData {
  readonly symbol: string;
  readonly bids: readonly LevelText[];
  readonly asks: readonly LevelText[];
  readonly checksum: number;
  /** RFC 3339 with microseconds; Kraken may omit it on snapshots. */
  readonly timestamp: string | null;
}

export interface TradeData {
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly price: string;
  readonly qty: string;
  readonly ordType: string;
  readonly tradeId: number;
  readonly timestamp: string;
}

export interface TickerData {
  readonly symbol: string;
  readonly bid: string;
  readonly bidQty: string;
  readonly ask: string;
  readonly askQty: string;
  readonly last: string;
  readonly volume: string;
  readonly vwap: string;
  readonly low: string;
  readonly high: string;
  readonly change: string;
  readonly changePct: string;
  readonly timestamp: string | null;
}

export interface InstrumentPair {
  readonly symbol: string;
  readonly base: string;
  readonly quote: string;
  /** online, cancel_only, delisted, limit_only, maintenance, post_only, reduce_only, work_in_progress */
  readonly status: string;
  readonly pricePrecision: number;
  readonly qtyPrecision: number;
  readonly priceIncrement: string;
  readonly qtyIncrement: string;
  readonly qtyMin: string;
}

/** System status Kraken pushes on connect and on every change. */
export type SystemStatus = 'online' | 'maintenance' | 'cancel_only' | 'post_only' | (string & {});

export type KrakenFrame =
  | { readonly kind: 'book'; readonly type: BookType; readonly data: readonly BookData[] }
  | { readonly kind: 'trade'; readonly type: BookType; readonly data: readonly TradeData[] }
  | { readonly kind: 'ticker'; readonly type: BookType; readonly data: readonly TickerData[] }
  | { readonly kind: 'instrument'; readonly type: BookType; readonly pairs: readonly InstrumentPair[] }
  | { readonly kind: 'heartbeat' }
  | {
      readonly kind: 'status';
      readonly system: SystemStatus;
      /** Exceeds 2^53 in practice: kept as text. */
      readonly connectionId: string;
      readonly apiVersion: string;
      readonly version: string;
    }
  | {
      readonly kind: 'ack';
      readonly method: 'subscribe' | 'unsubscribe';
      readonly reqId: number | null;
      readonly channel: string;
      readonly symbol: string | null;
      readonly depth: number | null;
    }
  | {
      readonly kind: 'error';
      readonly method: string | null;
      readonly reqId: number | null;
      readonly error: string;
      readonly symbol: string | null;
    }
  | { readonly kind: 'pong'; readonly reqId: number | null }
  | { readonly kind: 'unknown'; readonly channel: string | null };

/** A frame that is not valid v2 JSON or lacks a field its channel requires. */
export class KrakenProtocolError extends Error {
  override readonly name = 'KrakenProtocolError';
}

/** Quotes every numeric value so JSON.parse keeps its exact text. */
const NUMBER_VALUE = /":(-?\d[\d.eE+-]*)/g;

type Json = Record<string, unknown>;

function str(obj: Json, key: string): string {
  const value = obj[key];
  if (typeof value !== 'string') throw new KrakenProtocolError(`missing or non-text field "${key}"`);
  return value;
}

function optStr(obj: Json, key: string): string | null {
  const value = obj[key];
  return typeof value === 'string' ? value : null;
}

function int(obj: Json, key: string): number {
  const value = Number(obj[key]);
  if (!Number.isSafeInteger(value)) throw new KrakenProtocolError(`field "${key}" is not an integer`);
  return value;
}

function optInt(obj: Json, key: string): number | null {
  const raw = obj[key];
  if (raw === undefined || raw === null) return null;
  const value = Number(raw);
  return Number.isSafeInteger(value) ? value : null;
}

function levels(raw: unknown, key: string): LevelText[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new KrakenProtocolError(`"${key}" is not an array`);
  const out = new Array<LevelText>(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const level = raw[i] as Json;
    const price = level?.price;
    const qty = level?.qty;
    if (typeof price !== 'string' || typeof qty !== 'string') {
      throw new KrakenProtocolError(`"${key}" level without numeric price and qty`);
    }
    out[i] = { price, qty };
  }
  return out;
}

function dataArray(msg: Json): Json[] {
  const data = msg.data;
  if (!Array.isArray(data)) throw new KrakenProtocolError('channel frame without a data array');
  return data as Json[];
}

function frameType(msg: Json): BookType {
  const type = msg.type;
  if (type !== 'snapshot' && type !== 'update') throw new KrakenProtocolError(`unexpected type ${String(type)}`);
  return type;
}

/** Parses one text frame of the v2 public API. Throws {@link KrakenProtocolError}. */
export function parseKrakenFrame(text: string): KrakenFrame {
  // Book frames are most of the feed and come in one fixed shape: read them in one pass.
  // Anything the reader does not recognise (including every malformed frame) goes the
  // general way, which reads it or refuses it exactly as before.
  if (text.startsWith(BOOK_PREFIX)) {
    const frame = BOOK_READER.read(text);
    if (frame !== undefined) return frame;
  }
  return parseKrakenFrameGeneral(text);
}

/**
 * The general path of {@link parseKrakenFrame}: every numeric value quoted, then
 * `JSON.parse`. Exported so the tests can hold the single-pass book reader to it.
 */
export function parseKrakenFrameGeneral(text: string): KrakenFrame {
  const isChannel = text.startsWith('{"channel"');
  let msg: Json;
  try {
    msg = JSON.parse(isChannel ? text.replace(NUMBER_VALUE, '":"$1"') : text) as Json;
  } catch {
    throw new KrakenProtocolError('frame is not valid JSON');
  }
  if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) {
    throw new KrakenProtocolError('frame is not a JSON object');
  }
  const channel = msg.channel;
  if (typeof channel === 'string') {
    // Frames whose key order differs (not seen from Kraken) arrive here unquoted: read
    // them through a second, lossless pass rather than trusting floats.
    if (!isChannel) return parseKrakenFrameGeneral(`{"channel":${JSON.stringify(channel)},${text.slice(1)}`);
    return parseChannel(channel, msg);
  }
  return parseMethodResponse(msg);
}

const BOOK_PREFIX = '{"channel":"book","type":"';
const UPDATE_HEAD = `${BOOK_PREFIX}update","data":[{"symbol":`;

/**
 * Single-pass reader of book frames in the exact compact shape Kraken sends:
 *
 *   {"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[{"price":65283.7,
 *   "qty":0.00000000}],"asks":[],"checksum":1895379432,"timestamp":"2026-11-22T22:53:15.336Z"}]}
 *
 * (`timestamp` optional, any number of rows and levels). Prices and quantities are taken as
 * the exact wire text, so there is no quoting pass, no `JSON.parse` and no regex on the hot
 * path. It accepts only what it fully checks: keys in that order, no whitespace, strings
 * without escapes or control characters, plain unsigned decimals (`digits[.digits]`), an
 * integer checksum, nothing after the closing brace. On the first departure it returns
 * undefined and the frame goes the general way ({@link parseKrakenFrameGeneral}), so a
 * malformed frame is refused there, and an unusual but valid one (other key order,
 * exponents, whitespace) is read there; a test holds both paths to the same result.
 */
class BookFrameReader {
  private text = '';
  private at = 0;

  read(text: string): KrakenFrame | undefined {
    this.text = text;
    this.at = BOOK_PREFIX.length;
    let type: BookType;
    // Most frames are updates: their whole fixed head in one comparison.
    if (text.startsWith(UPDATE_HEAD)) {
      type = 'update';
      this.at = UPDATE_HEAD.length;
    } else {
      if (text.startsWith('update"', this.at)) {
        type = 'update';
        this.at += 7;
      } else if (text.startsWith('snapshot"', this.at)) {
        type = 'snapshot';
        this.at += 9;
      } else {
        return undefined;
      }
      if (!this.literal(',"data":[{"symbol":')) return undefined;
    }
    const data: BookData[] = [];
    for (;;) {
      const symbol = this.symbol();
      if (symbol === undefined || !this.literal(',"bids":')) return undefined;
      const bids = this.levels();
      if (bids === undefined || !this.literal(',"asks":')) return undefined;
      const asks = this.levels();
      if (asks === undefined || !this.literal(',"checksum":')) return undefined;
      const checksum = this.integer();
      if (checksum < 0) return undefined;
      let timestamp: string | null = null;
      if (this.literal(',"timestamp":')) {
        const ts = this.string();
        if (ts === undefined) return undefined;
        timestamp = ts;
      }
      if (!this.literal('}')) return undefined;
      data.push({ symbol, bids, asks, checksum, timestamp });
      if (this.literal(',{"symbol":')) continue;
      if (this.literal(']}') && this.at === text.length) return { kind: 'book', type, data };
      return undefined;
    }
  }

  private literal(expected: string): boolean {
    const text = this.text;
    const at = this.at;
    const n = expected.length;
    if (at + n > text.length) return false;
    for (let i = 0; i < n; i++) if (codeAt(text, at + i) !== codeAt(expected, i)) return false;
    this.at = at + n;
    return true;
  }

  /**
   * The row's symbol: the same string object as an earlier frame's when the text matches
   * one, so a frame allocates no symbol string and the books' Map lookups reuse its hash.
   * A cached symbol was read by {@link string}, so equal characters are equally valid.
   */
  private symbol(): string | undefined {
    const text = this.text;
    const at = this.at + 1;
    const symbols = this.symbols;
    for (let k = 0; k < symbols.length; k++) {
      const known = symbols[k] as string;
      const n = known.length;
      if (codeAt(text, at + n) !== 34 || codeAt(text, at - 1) !== 34) continue;
      let i = 0;
      while (i < n && codeAt(text, at + i) === codeAt(known, i)) i++;
      if (i < n) continue;
      this.at = at + n + 1;
      return known;
    }
    const symbol = this.string();
    if (symbol === undefined) return undefined;
    // Kept small: a connection carries a few dozen pairs at most; beyond that, replace in turn.
    if (symbols.length < SYMBOL_CACHE) symbols.push(symbol);
    else symbols[this.nextSymbol++ % SYMBOL_CACHE] = symbol;
    return symbol;
  }

  private readonly symbols: string[] = [];
  private nextSymbol = 0;

  /** A JSON string without escapes or control characters (symbols, timestamps). */
  private string(): string | undefined {
    const text = this.text;
    if (codeAt(text, this.at) !== 34) return undefined;
    const start = this.at + 1;
    for (let i = start; i < text.length; i++) {
      const c = codeAt(text, i);
      if (c === 34) {
        this.at = i + 1;
        return text.slice(start, i);
      }
      if (c === 92 || c < 0x20) return undefined;
    }
    return undefined;
  }

  /** `[]` or `[{"price":P,"qty":Q},...]`. */
  private levels(): LevelText[] | undefined {
    if (!this.literal('[')) return undefined;
    const out: LevelText[] = [];
    if (this.literal(']')) return out;
    for (;;) {
      if (!this.literal('{"price":')) return undefined;
      const price = this.decimal();
      if (price === undefined || !this.literal(',"qty":')) return undefined;
      const qty = this.decimal();
      if (qty === undefined || !this.literal('}')) return undefined;
      out.push({ price, qty });
      if (this.literal(',')) continue;
      return this.literal(']') ? out : undefined;
    }
  }

  /** The exact text of an unsigned plain decimal: digits, at most one point between digits. */
  private decimal(): string | undefined {
    const text = this.text;
    const start = this.at;
    let i = start;
    let dot = -1;
    for (; i < text.length; i++) {
      const c = codeAt(text, i);
      if (c >= 48 && c <= 57) continue;
      if (c !== 46 || dot >= 0) break;
      dot = i;
    }
    if (i === start || dot === start || dot === i - 1) return undefined;
    this.at = i;
    return text.slice(start, i);
  }

  /** An unsigned integer within 2^53, or -1. */
  private integer(): number {
    const text = this.text;
    const start = this.at;
    let value = 0;
    let i = start;
    for (; i < text.length; i++) {
      const c = codeAt(text, i);
      if (c < 48 || c > 57) break;
      value = value * 10 + (c - 48);
    }
    if (i === start || !Number.isSafeInteger(value)) return -1;
    this.at = i;
    return value;
  }
}

const SYMBOL_CACHE = 64;
const BOOK_READER = new BookFrameReader();

function parseChannel(channel: string, msg: Json): KrakenFrame {
  switch (channel) {
    case 'book': {
      const rows = dataArray(msg);
      const data = new Array<BookData>(rows.length);
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i] as Json;
        data[i] = {
          symbol: str(row, 'symbol'),
          bids: levels(row.bids, 'bids'),
          asks: levels(row.asks, 'asks'),
          checksum: int(row, 'checksum'),
          timestamp: optStr(row, 'timestamp'),
        };
      }
      return { kind: 'book', type: frameType(msg), data };
    }
    case 'trade':
      return {
        kind: 'trade',
        type: frameType(msg),
        data: dataArray(msg).map((row) => {
          const side = str(row, 'side');
          if (side !== 'buy' && side !== 'sell') throw new KrakenProtocolError(`trade side ${side}`);
          return {
            symbol: str(row, 'symbol'),
            side,
            price: str(row, 'price'),
            qty: str(row, 'qty'),
            ordType: optStr(row, 'ord_type') ?? '',
            tradeId: int(row, 'trade_id'),
            timestamp: str(row, 'timestamp'),
          };
        }),
      };
    case 'ticker':
      return {
        kind: 'ticker',
        type: frameType(msg),
        data: dataArray(msg).map((row) => ({
          symbol: str(row, 'symbol'),
          bid: str(row, 'bid'),
          bidQty: optStr(row, 'bid_qty') ?? '',
          ask: str(row, 'ask'),
          askQty: optStr(row, 'ask_qty') ?? '',
          last: str(row, 'last'),
          volume: optStr(row, 'volume') ?? '',
          vwap: optStr(row, 'vwap') ?? '',
          low: optStr(row, 'low') ?? '',
          high: optStr(row, 'high') ?? '',
          change: optStr(row, 'change') ?? '',
          changePct: optStr(row, 'change_pct') ?? '',
          timestamp: optStr(row, 'timestamp'),
        })),
      };
    case 'instrument': {
      const data = msg.data as Json | undefined;
      const pairs = data?.pairs;
      if (!Array.isArray(pairs)) throw new KrakenProtocolError('instrument frame without data.pairs');
      return {
        kind: 'instrument',
        type: frameType(msg),
        pairs: (pairs as Json[]).map((row) => ({
          symbol: str(row, 'symbol'),
          base: optStr(row, 'base') ?? '',
          quote: optStr(row, 'quote') ?? '',
          status: optStr(row, 'status') ?? 'online',
          pricePrecision: int(row, 'price_precision'),
          qtyPrecision: int(row, 'qty_precision'),
          priceIncrement: optStr(row, 'price_increment') ?? '',
          qtyIncrement: optStr(row, 'qty_increment') ?? '',
          qtyMin: optStr(row, 'qty_min') ?? '',
        })),
      };
    }
    case 'heartbeat':
      return { kind: 'heartbeat' };
    case 'status': {
      const row = dataArray(msg)[0];
      if (!row) throw new KrakenProtocolError('status frame without data');
      return {
        kind: 'status',
        system: str(row, 'system'),
        connectionId: optStr(row, 'connection_id') ?? '',
        apiVersion: optStr(row, 'api_version') ?? '',
        version: optStr(row, 'version') ?? '',
      };
    }
    default:
      return { kind: 'unknown', channel };
  }
}

function parseMethodResponse(msg: Json): KrakenFrame {
  const method = typeof msg.method === 'string' ? msg.method : null;
  const reqId = optInt(msg, 'req_id');
  if (method === 'pong') return { kind: 'pong', reqId };
  if (msg.success === false || typeof msg.error === 'string') {
    return {
      kind: 'error',
      method,
      reqId,
      error: typeof msg.error === 'string' ? msg.error : 'unknown error',
      symbol: optStr(msg, 'symbol'),
    };
  }
  if ((method === 'subscribe' || method === 'unsubscribe') && msg.success === true) {
    const result = (msg.result ?? {}) as Json;
    return {
      kind: 'ack',
      method,
      reqId,
      channel: optStr(result, 'channel') ?? '',
      symbol: optStr(result, 'symbol'),
      depth: optInt(result, 'depth'),
    };
  }
  return { kind: 'unknown', channel: null };
}

/** Public channels the ingester subscribes to. */
export type PublicChannel = 'instrument' | 'book' | 'ticker' | 'trade';

/** `subscribe`/`unsubscribe` request text. `instrument` takes no symbol list. */
export function subscriptionRequest(
  method: 'subscribe' | 'unsubscribe',
  channel: PublicChannel,
  symbols: readonly string[],
  reqId: number,
  depth?: number,
): string {
  const params: Record<string, unknown> = { channel };
  if (channel !== 'instrument') params.symbol = symbols;
  if (channel === 'book' && depth !== undefined) params.depth = depth;
  // Trades: no snapshot of the last 50 prints, so `last` in a mark is always a live print.
  if (method === 'subscribe' && channel !== 'book') params.snapshot = channel !== 'trade';
  return JSON.stringify({ method, params, req_id: reqId });
}

/** App-level ping; Kraken answers `{"method":"pong","req_id":…}`. */
export function pingRequest(reqId: number): string {
  return JSON.stringify({ method: 'ping', req_id: reqId });
}
