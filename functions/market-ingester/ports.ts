import type { FeedStatus } from '../../shared/adapters/redis/feed-status-hash.js';
import type { Mark, MarketEvent } from '../../shared/domain/market/events.js';
import type { InstrumentPair } from '../../shared/domain/market/kraken-v2.js';

/** Where normalised events go (Kinesis `market-events` in AWS). */
export interface MarketEventSink {
  /** Queues one event; false when the bounded buffer is full (the event is counted as overflow). */
  publish(event: MarketEvent): boolean;
  /** Sends everything queued; resolves when the buffer is empty or `timeoutMs` passed. */
  flush(timeoutMs?: number): Promise<void>;
}

/** Feed state as the risk API reads it from Redis (the vocabulary is the feed status hash's). */
export type { FeedStatus };

/** Where hot marks go (Redis / ElastiCache in AWS). */
export interface MarkStore {
  /** Queues the latest mark of a symbol; written with the others of its batch in one round trip. */
  put(mark: Mark): void;
  /** Marks the symbols stale in place (values kept, `status` = stale). */
  markStale(symbols: readonly string[]): void;
  /** Refreshes `verified_ts_ms` of live symbols: the connection proved their book current. */
  touch(symbols: readonly string[], verifiedMs: number): void;
  setFeedStatus(status: FeedStatus, reason: string, sinceMs: number): void;
  flush(timeoutMs?: number): Promise<void>;
}

/**
 * One place Kraken's instrument data is written to: the Redis hash the risk API reads, the
 * PostgreSQL table the universe job reads.
 */
export interface InstrumentTarget {
  readonly name: string;
  /** Writes `pairs` (each readable by the instruments codec) and forgets `unreadable` symbols. */
  write(pairs: readonly InstrumentPair[], unreadable: readonly string[]): Promise<void>;
}

/** Takes every pair the `instrument` channel sends; written in the background, off the frame path. */
export interface InstrumentSink {
  publish(pairs: readonly InstrumentPair[]): void;
  flush(timeoutMs?: number): Promise<void>;
}

/** The symbols the gate trades beyond the configured ones (the universe set in AWS). */
export interface TradedSymbolsSource {
  symbols(): Promise<string[]>;
}
