import type { Mark } from '../../shared/domain/market/events.js';
import type { InstrumentPair, KrakenFrame } from '../../shared/domain/market/kraken-v2.js';
import { type BookOutcome, MarketBooks } from '../../shared/domain/market/market-books.js';
import { markFrom, msText, tickerEvent, topOfBookEvent, tradeEvent } from '../../shared/domain/market/normalise.js';
import type { InstrumentSink, MarketEventSink, MarkStore } from './ports.js';

/** How often live marks are re-verified while frames arrive (well inside the 1 s max mark age). */
export const VERIFY_INTERVAL_MS = 200;

export interface PipelineCounters {
  frames: number;
  bookMessages: number;
  trades: number;
  tickers: number;
  events: number;
  marks: number;
  resyncRequests: number;
}

/** Per-symbol freshness, for readiness, the feed status and the data-age metric. */
export interface SymbolState {
  /** A verified snapshot arrived since the last (re)connect or resync. */
  live: boolean;
  /** performance-independent epoch ms of the last verified book message. */
  lastBookMs: number;
  last: string;
  lastMark: Mark | undefined;
  /**
   * Counts for readiness and the feed status. A symbol added while running (the universe
   * grew) counts once its first snapshot arrived: waiting for it must not turn every other
   * symbol's feed stale.
   */
  required: boolean;
}

export interface PipelineOptions {
  readonly symbols: readonly string[];
  readonly depth: number;
  readonly sink: MarketEventSink;
  readonly marks: MarkStore;
  /** Where every pair of the `instrument` channel goes (Redis hash, PostgreSQL table). */
  readonly instruments?: InstrumentSink;
  /** A symbol's book failed its checksum: the caller resubscribes it. */
  readonly onResync?: (symbol: string, outcome: BookOutcome) => void;
}

/**
 * The ingest path shared by the live client and replay: verified books -> normalised events
 * (Kinesis) and marks (Redis). It owns the books and each symbol's freshness; the
 * connection layer tells it when the connection drops so every mark goes stale until a
 * fresh snapshot arrives.
 */
export class IngestPipeline {
  readonly books: MarketBooks;
  readonly counters: PipelineCounters = {
    frames: 0,
    bookMessages: 0,
    trades: 0,
    tickers: 0,
    events: 0,
    marks: 0,
    resyncRequests: 0,
  };
  readonly state = new Map<string, SymbolState>();
  /** Every pair Kraken listed on this connection's `instrument` channel, by symbol. */
  private readonly instruments = new Map<string, InstrumentPair>();
  private lastVerifiedMs = 0;

  constructor(private readonly options: PipelineOptions) {
    this.books = new MarketBooks(options.depth);
    for (const symbol of options.symbols) {
      this.state.set(symbol, { live: false, lastBookMs: 0, last: '', lastMark: undefined, required: true });
    }
  }

  /** True when every configured symbol has a verified book since the last reset. */
  allLive(): boolean {
    for (const s of this.state.values()) if (s.required && !s.live) return false;
    return true;
  }

  /** Symbols that count and have no verified book yet (readiness, feed status). */
  awaitingSnapshot(): string[] {
    const awaiting: string[] = [];
    for (const [symbol, s] of this.state) if (s.required && !s.live) awaiting.push(symbol);
    return awaiting;
  }

  /** Pairs Kraken's `instrument` channel listed so far. */
  instrumentCount(): number {
    return this.instruments.size;
  }

  /** Whether Kraken's `instrument` channel listed the pair (a book needs its precisions). */
  knowsInstrument(symbol: string): boolean {
    return this.instruments.has(symbol);
  }

  /** Starts tracking symbols added while running; returns the ones that were new. */
  addSymbols(symbols: readonly string[]): string[] {
    const added: string[] = [];
    for (const symbol of symbols) {
      if (this.state.has(symbol)) continue;
      this.state.set(symbol, { live: false, lastBookMs: 0, last: '', lastMark: undefined, required: false });
      const pair = this.instruments.get(symbol);
      if (pair) this.books.setInstrument(pair);
      added.push(symbol);
    }
    return added;
  }

  /** Handles one parsed data frame received at `receiveMs` (epoch ms). */
  handle(frame: KrakenFrame, receiveMs: number): void {
    this.counters.frames++;
    switch (frame.kind) {
      case 'instrument':
        for (const pair of frame.pairs) {
          this.instruments.set(pair.symbol, pair);
          if (this.state.has(pair.symbol)) this.books.setInstrument(pair);
        }
        // Every pair, not only the subscribed ones: the universe job picks from all of them.
        this.options.instruments?.publish(frame.pairs);
        return;
      case 'book':
        for (const data of frame.data) {
          this.counters.bookMessages++;
          const state = this.state.get(data.symbol);
          if (!state) continue;
          const outcome = this.books.apply(frame.type, data);
          if (outcome.kind === 'ok') {
            state.live = true;
            state.required = true;
            state.lastBookMs = receiveMs;
            if (!outcome.topChanged) continue;
            const tob = topOfBookEvent(outcome.book, data.timestamp, receiveMs, data.checksum);
            if (!tob) continue;
            this.emit(tob);
            const mark = markFrom(tob, state.last, receiveMs);
            state.lastMark = mark;
            this.options.marks.put(mark);
            this.counters.marks++;
          } else if (outcome.kind === 'checksum_mismatch' || outcome.kind === 'unknown_instrument') {
            this.goStale([data.symbol]);
            this.counters.resyncRequests++;
            this.options.onResync?.(data.symbol, outcome);
          }
          // awaiting_snapshot: deltas after a mismatch are dropped until the new snapshot.
        }
        return;
      case 'trade':
        for (const trade of frame.data) {
          const state = this.state.get(trade.symbol);
          if (!state) continue;
          this.counters.trades++;
          const event = tradeEvent(trade, receiveMs);
          this.emit(event);
          state.last = event.price;
          if (state.live && state.lastMark) {
            // The trade came in order on the live connection, so the unchanged book is current
            // as of this frame. Keeping the top's own receive time as the verification time
            // would move `verified_ts_ms` backwards over a re-verification and make a quiet
            // book read stale to the risk API until the next one.
            const mark: Mark = { ...state.lastMark, last: event.price, verified_ts_ms: msText(receiveMs) };
            state.lastMark = mark;
            this.options.marks.put(mark);
          }
        }
        return;
      case 'ticker':
        for (const ticker of frame.data) {
          if (!this.state.has(ticker.symbol)) continue;
          this.counters.tickers++;
          this.emit(tickerEvent(ticker, receiveMs));
        }
        return;
      default:
        return;
    }
  }

  /**
   * A frame arrived on the live connection at `receiveMs`. Kraken sends every book change in
   * order on this connection, so a live book that received no update is still current as of
   * this frame: its mark's `verified_ts_ms` moves (the risk API's age check reads it), at
   * most every {@link VERIFY_INTERVAL_MS}. Quiet books (stablecoins) stay usable; a dead
   * connection stops proving anything.
   */
  connectionCurrent(receiveMs: number): void {
    if (receiveMs - this.lastVerifiedMs < VERIFY_INTERVAL_MS) return;
    this.lastVerifiedMs = receiveMs;
    const live: string[] = [];
    for (const [symbol, s] of this.state) if (s.live) live.push(symbol);
    if (live.length > 0) this.options.marks.touch(live, receiveMs);
  }

  /** The connection dropped: every book and mark is stale until its next snapshot. */
  disconnected(): void {
    this.books.resetAll();
    this.goStale([...this.state.keys()]);
    for (const s of this.state.values()) s.last = '';
  }

  /** Marks some symbols stale (resubscribe in progress) without touching the others. */
  goStale(symbols: readonly string[]): void {
    const wasLive = symbols.filter((symbol) => this.state.get(symbol)?.live);
    for (const symbol of symbols) {
      const s = this.state.get(symbol);
      if (!s) continue;
      s.live = false;
      s.lastMark = undefined;
      this.books.reset(symbol);
    }
    if (wasLive.length > 0 || symbols.length > 0) this.options.marks.markStale(symbols);
  }

  private emit(event: Parameters<MarketEventSink['publish']>[0]): void {
    this.counters.events++;
    this.options.sink.publish(event);
  }
}
