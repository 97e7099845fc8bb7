import type { BookData, BookType, InstrumentPair } from './kraken-v2.js';
import { OrderBook, type PairPrecision } from './order-book.js';

/** What applying one book message did. */
export type BookOutcome =
  | { readonly kind: 'ok'; readonly book: OrderBook; readonly topChanged: boolean; readonly snapshot: boolean }
  /** Checksum differs: the book was dropped and waits for a fresh snapshot (resubscribe). */
  | { readonly kind: 'checksum_mismatch'; readonly expected: number; readonly actual: number }
  /** An update for a book that has no snapshot yet (after a mismatch or before subscribe). */
  | { readonly kind: 'awaiting_snapshot' }
  /** No precision known for the pair yet: the checksum cannot be verified. */
  | { readonly kind: 'unknown_instrument' };

export interface BookCounters {
  checksumOk: number;
  checksumFailed: number;
  droppedUpdates: number;
  snapshots: number;
  updates: number;
}

/**
 * The books of every subscribed pair plus their precisions: the one place that turns v2
 * book messages into verified books. Used by the live ingester and by `kraken:verify`, so
 * both check checksums the same way. Every message is verified; after a mismatch the book
 * is dropped and updates are discarded (counted) until the next snapshot.
 */
export class MarketBooks {
  readonly counters: BookCounters = { checksumOk: 0, checksumFailed: 0, droppedUpdates: 0, snapshots: 0, updates: 0 };
  private readonly precisions = new Map<string, PairPrecision>();
  private readonly books = new Map<string, OrderBook>();
  private readonly depths = new Map<string, number>();

  /** @param depth subscribed depth (Kraken truncation depth) unless set per pair */
  constructor(private readonly depth: number) {}

  setInstrument(pair: Pick<InstrumentPair, 'symbol' | 'pricePrecision' | 'qtyPrecision'>): void {
    const previous = this.precisions.get(pair.symbol);
    if (previous?.pricePrecision === pair.pricePrecision && previous.qtyPrecision === pair.qtyPrecision) return;
    this.precisions.set(pair.symbol, { pricePrecision: pair.pricePrecision, qtyPrecision: pair.qtyPrecision });
    // A precision change invalidates the levels' text: rebuild from the next snapshot.
    this.books.delete(pair.symbol);
  }

  precisionOf(symbol: string): PairPrecision | undefined {
    return this.precisions.get(symbol);
  }

  /** Truncation depth of one pair, e.g. from the `depth` of its subscribe ack. */
  setDepth(symbol: string, depth: number): void {
    this.depths.set(symbol, depth);
  }

  book(symbol: string): OrderBook | undefined {
    return this.books.get(symbol);
  }

  /** Forgets a pair's book (disconnect, resubscribe): updates wait for a new snapshot. */
  reset(symbol: string): void {
    this.books.delete(symbol);
  }

  resetAll(): void {
    this.books.clear();
  }

  apply(type: BookType, data: BookData): BookOutcome {
    const precision = this.precisions.get(data.symbol);
    if (!precision) return { kind: 'unknown_instrument' };
    let book = this.books.get(data.symbol);
    // Levels are immutable and replaced on every change, so identity tells a changed top.
    const bidBefore = book?.bids[0];
    const askBefore = book?.asks[0];
    if (type === 'snapshot') {
      book = new OrderBook(data.symbol, this.depths.get(data.symbol) ?? this.depth, precision);
      book.applySnapshot(data.bids, data.asks);
      this.counters.snapshots++;
    } else {
      if (!book) {
        this.counters.droppedUpdates++;
        return { kind: 'awaiting_snapshot' };
      }
      book.applyUpdate(data.bids, data.asks);
      this.counters.updates++;
    }
    const actual = book.checksum();
    if (actual !== data.checksum) {
      this.counters.checksumFailed++;
      this.books.delete(data.symbol);
      return { kind: 'checksum_mismatch', expected: data.checksum, actual };
    }
    this.counters.checksumOk++;
    // An update's book came from the map and is still there: only a new snapshot's is stored.
    if (type === 'snapshot') this.books.set(data.symbol, book);
    return {
      kind: 'ok',
      book,
      topChanged: type === 'snapshot' || book.bids[0] !== bidBefore || book.asks[0] !== askBefore,
      snapshot: type === 'snapshot',
    };
  }
}
