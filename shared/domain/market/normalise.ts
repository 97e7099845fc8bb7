import { Decimal } from '../decimal.js';
import { codeAt } from './ascii.js';
import { formatScaled } from './decimal-text.js';
import type { Mark, TickerEvent, TopOfBookEvent, TradeEvent } from './events.js';
import type { TickerData, TradeData } from './kraken-v2.js';
import type { OrderBook } from './order-book.js';

/**
 * Turns verified books and v2 channel rows into the normalised events and marks the rest of
 * the platform reads. Pure: the receive time is passed in.
 */

const SOURCE = 'kraken';
const ISO_PREFIX = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{4,9}Z$/;
const BPS = Decimal.fromInteger(10_000);
/** Fractional digits of `spread_bps` (rounded half-even). */
export const SPREAD_BPS_DIGITS = 4;

/** Kraken's RFC 3339 microsecond timestamp as ISO-8601 with milliseconds, or null. */
export function exchangeIso(timestamp: string | null): string | null {
  if (!timestamp) return null;
  // Kraken's usual shape, 2023-10-06T17:35:55.440295Z: truncating to milliseconds is what
  // Date.parse does too, without the round trip through a Date.
  if (timestamp.length > 24 && codeAt(timestamp, 19) === 46 && timestamp.endsWith('Z') && ISO_PREFIX.test(timestamp)) {
    return `${timestamp.slice(0, 23)}Z`;
  }
  const ms = Date.parse(timestamp);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/** Mid and spread of a book's last top prices: the top often changes by quantity alone. */
interface TopMemo {
  bidTicks: number;
  askTicks: number;
  mid: string;
  spreadBps: string;
}
const TOP_MEMO = new WeakMap<OrderBook, TopMemo>();

/** Top of book of a verified book, or null while a side is empty. */
export function topOfBookEvent(
  book: OrderBook,
  exchangeTs: string | null,
  receiveMs: number,
  checksum: number,
): TopOfBookEvent | null {
  const bid = book.bids[0];
  const ask = book.asks[0];
  if (!bid || !ask) return null;
  let memo = TOP_MEMO.get(book);
  if (memo === undefined || memo.bidTicks !== bid.ticks || memo.askTicks !== ask.ticks) {
    const sum = bid.ticks + ask.ticks;
    memo = {
      bidTicks: bid.ticks,
      askTicks: ask.ticks,
      // mid = sum / 2 at precision p  ==  sum * 5 at precision p + 1: exact, no division.
      mid: formatScaled(sum * 5, book.precision.pricePrecision + 1),
      spreadBps: spreadBpsText(ask.ticks - bid.ticks, sum),
    };
    TOP_MEMO.set(book, memo);
  }
  const { mid, spreadBps } = memo;
  const iso = exchangeIso(exchangeTs);
  return {
    type: 'top_of_book',
    // Kraken's own microsecond timestamp (not the millisecond ISO) keeps ids distinct.
    event_id: `${SOURCE}:tob:${book.symbol}:${exchangeTs ?? receiveMs}:${integerText(checksum)}`,
    symbol: book.symbol,
    exchange_ts: iso,
    receive_ts: isoOfMs(receiveMs),
    bid: bid.price,
    bid_qty: bid.qty,
    ask: ask.price,
    ask_qty: ask.qty,
    mid,
    spread_bps: spreadBps,
  };
}

/**
 * (ask - bid) / mid in bps at {@link SPREAD_BPS_DIGITS} digits, half-even, from tick counts:
 * diff * 2 * 10^4 / sum. Integer arithmetic in doubles while every term stays below 2^53
 * (always, for real prices), exact Decimal otherwise.
 */
export function spreadBpsText(diffTicks: number, sumTicks: number): string {
  const numerator = diffTicks * 2 * 10_000 * 10 ** SPREAD_BPS_DIGITS;
  if (!Number.isSafeInteger(numerator) || !Number.isSafeInteger(sumTicks) || sumTicks <= 0 || diffTicks < 0) {
    return Decimal.fromInteger(diffTicks * 2)
      .mul(BPS)
      .div(Decimal.fromInteger(sumTicks))
      .toFixed(SPREAD_BPS_DIGITS);
  }
  let q = Math.floor(numerator / sumTicks);
  let r = numerator - q * sumTicks;
  if (r < 0) {
    q--;
    r += sumTicks;
  } else if (r >= sumTicks) {
    q++;
    r -= sumTicks;
  }
  if (2 * r > sumTicks || (2 * r === sumTicks && q % 2 === 1)) q++;
  return formatScaled(q, SPREAD_BPS_DIGITS);
}

export function tradeEvent(trade: TradeData, receiveMs: number): TradeEvent {
  return {
    type: 'trade',
    event_id: `${SOURCE}:trade:${trade.symbol}:${trade.tradeId}`,
    symbol: trade.symbol,
    exchange_ts: exchangeIso(trade.timestamp),
    receive_ts: isoOfMs(receiveMs),
    trade_id: trade.tradeId,
    side: trade.side,
    price: canonical(trade.price),
    qty: canonical(trade.qty),
  };
}

export function tickerEvent(ticker: TickerData, receiveMs: number): TickerEvent {
  const iso = exchangeIso(ticker.timestamp);
  return {
    type: 'ticker',
    // Volume is cumulative: two tickers with the same time and volume describe the same state.
    event_id: `${SOURCE}:ticker:${ticker.symbol}:${ticker.timestamp ?? receiveMs}:${canonical(ticker.volume)}`,
    symbol: ticker.symbol,
    exchange_ts: iso,
    receive_ts: isoOfMs(receiveMs),
    last: canonical(ticker.last),
    bid: canonical(ticker.bid),
    ask: canonical(ticker.ask),
    volume: canonical(ticker.volume),
    vwap: canonical(ticker.vwap),
  };
}

/** The hot mark of a symbol from its latest top of book and last trade price. */
export function markFrom(tob: TopOfBookEvent, last: string, receiveMs: number): Mark {
  return {
    symbol: tob.symbol,
    bid: tob.bid,
    ask: tob.ask,
    mid: tob.mid,
    spread_bps: tob.spread_bps,
    last,
    exchange_ts_ms: tob.exchange_ts ? epochMsTextOfIso(tob.exchange_ts) : '',
    receive_ts_ms: msText(receiveMs),
    status: 'live',
  };
}

/*
 * Time text on the top-of-book path. A live feed sends many book messages per second, so
 * each of the three conversions below keeps the text of the current second and appends the
 * milliseconds: the same text as `new Date(ms).toISOString()`, `String(ms)` and
 * `String(Date.parse(iso))` (tests compare them), without formatting or parsing a date per
 * message (those cost 150-550 ns each on the dev VM, several times a book update's parse).
 */

/** '000' ... '999'. */
const MS3: readonly string[] = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/**
 * `String(n)`. A checksum above 2^30 is a heap number on 64-bit V8, and turning one into
 * text costs ~120 ns; parts below 10^6 (small integers) and the '000'-'999' table take a
 * fraction of it.
 */
export function integerText(n: number): string {
  if (!Number.isSafeInteger(n) || n < 1000 || n >= 1e12) return String(n);
  if (n < 1e6) {
    const high = Math.floor(n / 1000);
    return `${high}${MS3[n - high * 1000]}`;
  }
  const high = Math.floor(n / 1e6);
  const middle = Math.floor(n / 1000) - high * 1000;
  return `${high}${MS3[middle]}${MS3[n - Math.floor(n / 1000) * 1000]}`;
}

let isoSecond = Number.NaN;
/** `new Date(isoSecond * 1000).toISOString()` without its `mmmZ`. */
let isoSecondPrefix = '';

/** `new Date(ms).toISOString()`. */
export function isoOfMs(ms: number): string {
  if (!Number.isSafeInteger(ms)) return new Date(ms).toISOString();
  const second = Math.floor(ms / 1000);
  if (second !== isoSecond) {
    const iso = new Date(second * 1000).toISOString();
    isoSecond = second;
    isoSecondPrefix = iso.slice(0, iso.length - 4);
  }
  return `${isoSecondPrefix}${MS3[ms - second * 1000]}Z`;
}

let textSecond = Number.NaN;
let textSecondPrefix = '';

/** `String(ms)` of an epoch-ms time. */
export function msText(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 1000) return String(ms);
  const second = Math.floor(ms / 1000);
  if (second !== textSecond) {
    textSecond = second;
    textSecondPrefix = String(second);
  }
  return `${textSecondPrefix}${MS3[ms - second * 1000]}`;
}

/** `YYYY-MM-DDTHH:MM:SS.` of the last ISO time read, and its epoch second as text. */
let parsedPrefix = '';
let parsedSecondText = '';

/** `String(Date.parse(iso))`: an ISO time with milliseconds as epoch-ms text. */
export function epochMsTextOfIso(iso: string): string {
  if (iso.length === 24 && parsedPrefix !== '' && iso.startsWith(parsedPrefix) && codeAt(iso, 23) === 90) {
    const a = codeAt(iso, 20) - 48;
    const b = codeAt(iso, 21) - 48;
    const c = codeAt(iso, 22) - 48;
    if (a >= 0 && a <= 9 && b >= 0 && b <= 9 && c >= 0 && c <= 9) return parsedSecondText + iso.slice(20, 23);
  }
  const ms = Date.parse(iso);
  // Remember this second when the text is the plain UTC shape and the time is after 1970
  // (so the epoch-ms text is the second's text plus three digits). Hour 24 is left out:
  // Date.parse takes 24:00:00.000 but no other millisecond of that "second".
  if (
    iso.length === 24 &&
    Number.isSafeInteger(ms) &&
    ms >= 1000 &&
    codeAt(iso, 19) === 46 &&
    codeAt(iso, 23) === 90 &&
    !(codeAt(iso, 11) === 50 && codeAt(iso, 12) === 52)
  ) {
    const second = Math.floor(ms / 1000);
    if (MS3[ms - second * 1000] === iso.slice(20, 23)) {
      parsedPrefix = iso.slice(0, 20);
      parsedSecondText = String(second);
    }
  }
  return String(ms);
}

/** Exact decimal text in canonical form (`"0.00100000"` -> `"0.001"`); '' stays ''. */
function canonical(text: string): string {
  if (text === '') return text;
  const parsed = Decimal.tryParse(text);
  return parsed ? parsed.toString() : text;
}
