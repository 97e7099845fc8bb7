import type { FeedStatus } from '../../shared/adapters/redis/feed-status-hash.js';
import type { Mark, MarketEvent } from '../../shared/domain/market/events.js';

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
