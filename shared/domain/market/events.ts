/**
 * Normalised market events: what the ingester publishes to Kinesis `market-events`
 * (partition key = symbol) and what the evaluators consume. Amounts are decimal strings;
 * timestamps are ISO-8601 strings with milliseconds. `exchange_ts` is Kraken's time,
 * `receive_ts` when the ingester read the frame; their gap is the feed latency.
 */
export interface MarketEventBase {
  /** Deterministic id (source + symbol + exchange sequence/ts) so consumers can dedupe. */
  readonly event_id: string;
  readonly symbol: string;
  readonly exchange_ts: string | null;
  readonly receive_ts: string;
}

export interface TopOfBookEvent extends MarketEventBase {
  readonly type: 'top_of_book';
  readonly bid: string;
  readonly bid_qty: string;
  readonly ask: string;
  readonly ask_qty: string;
  readonly mid: string;
  /** (ask - bid) / mid in basis points, as a decimal string. */
  readonly spread_bps: string;
}

export interface TradeEvent extends MarketEventBase {
  readonly type: 'trade';
  readonly trade_id: number;
  readonly side: 'buy' | 'sell';
  readonly price: string;
  readonly qty: string;
}

export interface TickerEvent extends MarketEventBase {
  readonly type: 'ticker';
  readonly last: string;
  readonly bid: string;
  readonly ask: string;
  readonly volume: string;
  readonly vwap: string;
}

export type MarketEvent = TopOfBookEvent | TradeEvent | TickerEvent;

/**
 * The hot mark of one symbol, as the ingester writes it to Redis (a hash at
 * `REDIS_KEYS.mark(symbol)`) and the risk API reads it. All fields are strings in Redis.
 */
export interface Mark {
  readonly symbol: string;
  readonly bid: string;
  readonly ask: string;
  readonly mid: string;
  readonly spread_bps: string;
  /** Last trade price, or '' before the first trade since (re)connect. */
  readonly last: string;
  /** Kraken's timestamp of the book update, epoch ms as a string ('' when Kraken sent none). */
  readonly exchange_ts_ms: string;
  /** When the ingester received it, epoch ms as a string: the age check uses this. */
  readonly receive_ts_ms: string;
  /** 'live' or 'stale' (after a disconnect, until a fresh snapshot arrives). */
  readonly status: 'live' | 'stale';
  /**
   * Epoch ms (string) of the last time the ingester proved this mark still current: a book
   * update, or a heartbeat on a live connection while the checksum-verified book did not
   * change. A quiet book is not stale data; this tells the two apart. Written by the
   * ingester; absent in marks built before it existed.
   */
  readonly verified_ts_ms?: string;
}
