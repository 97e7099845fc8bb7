import type { Redis } from 'ioredis';
import type { Mark } from '../../shared/domain/market/events.js';
import { REDIS_KEYS } from '../../shared/names.js';
import type { FeedStatus, MarkStore } from './ports.js';

export interface RedisMarkWriterOptions {
  /** Told when a batch is durable in Redis: marks written and when (performance.now()). */
  readonly onWritten?: (marks: readonly Mark[], writtenAt: number) => void;
  readonly onError?: (error: unknown) => void;
}

/**
 * Writes the latest mark per symbol to `mark:<symbol>` hashes. Marks arriving while a write
 * is in flight are coalesced per symbol and go out together in the next pipeline: one round
 * trip per batch, and under load the newest mark wins rather than a queue of stale ones.
 * Writes start on the next turn of the event loop, so a frame's mark is in Redis a round trip
 * after the frame arrived.
 */
export class RedisMarkWriter implements MarkStore {
  private pending = new Map<string, Mark>();
  private stale = new Set<string>();
  private touched = new Map<string, number>();
  private feedStatus: { status: FeedStatus; reason: string; sinceMs: number } | undefined;
  private writing: Promise<void> | undefined;
  private scheduled = false;
  writes = 0;
  errors = 0;

  constructor(
    private readonly redis: Redis,
    private readonly options: RedisMarkWriterOptions = {},
  ) {}

  put(mark: Mark): void {
    this.pending.set(mark.symbol, mark);
    this.stale.delete(mark.symbol);
    this.schedule();
  }

  markStale(symbols: readonly string[]): void {
    for (const symbol of symbols) {
      this.pending.delete(symbol);
      this.stale.add(symbol);
    }
    this.schedule();
  }

  touch(symbols: readonly string[], verifiedMs: number): void {
    for (const symbol of symbols) this.touched.set(symbol, verifiedMs);
    this.schedule();
  }

  setFeedStatus(status: FeedStatus, reason: string, sinceMs: number): void {
    this.feedStatus = { status, reason, sinceMs };
    this.schedule();
  }

  /** Writes everything queued; gives up after `timeoutMs` while Redis keeps failing. */
  async flush(timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((this.writing || this.hasWork()) && Date.now() < deadline) {
      if (!this.writing) this.writing = this.write();
      await this.writing;
    }
  }

  private hasWork(): boolean {
    return this.pending.size > 0 || this.stale.size > 0 || this.touched.size > 0 || this.feedStatus !== undefined;
  }

  private schedule(): void {
    if (this.scheduled || this.writing) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (!this.writing && this.hasWork()) this.writing = this.write();
    });
  }

  private async write(): Promise<void> {
    const marks = [...this.pending.values()];
    const stale = [...this.stale];
    const touched = [...this.touched];
    const feed = this.feedStatus;
    this.pending = new Map();
    this.stale = new Set();
    this.touched = new Map();
    this.feedStatus = undefined;
    const pipeline = this.redis.pipeline();
    for (const mark of marks) {
      pipeline.hset(REDIS_KEYS.mark(mark.symbol), {
        ...mark,
        verified_ts_ms: mark.verified_ts_ms ?? mark.receive_ts_ms,
      });
    }
    for (const symbol of stale) pipeline.hset(REDIS_KEYS.mark(symbol), 'status', 'stale');
    for (const [symbol, ms] of touched) {
      if (!marks.some((m) => m.symbol === symbol) && !stale.includes(symbol)) {
        pipeline.hset(REDIS_KEYS.mark(symbol), 'verified_ts_ms', String(ms));
      }
    }
    if (feed) {
      pipeline.hset(REDIS_KEYS.feedStatus, {
        status: feed.status,
        reason: feed.reason,
        since_ms: String(feed.sinceMs),
      });
    }
    try {
      const results = await pipeline.exec();
      const failed = results?.find(([error]) => error);
      if (failed) throw failed[0];
      this.writes++;
      this.options.onWritten?.(marks, performance.now());
    } catch (error) {
      this.errors++;
      this.options.onError?.(error);
      // Keep the newest state for the next attempt unless something newer arrived meanwhile.
      for (const mark of marks)
        if (!this.pending.has(mark.symbol) && !this.stale.has(mark.symbol)) this.pending.set(mark.symbol, mark);
      for (const symbol of stale) if (!this.pending.has(symbol)) this.stale.add(symbol);
      if (feed && !this.feedStatus) this.feedStatus = feed;
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      this.writing = undefined;
      if (this.hasWork()) this.schedule();
    }
  }
}
