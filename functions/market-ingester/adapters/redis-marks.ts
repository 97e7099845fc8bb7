import type { Redis } from 'ioredis';
import { encodeFeedStatus, type FeedState } from '../../../shared/adapters/redis/feed-status-hash.js';
import { encodeMark, encodeMarkStale, encodeMarkVerified } from '../../../shared/adapters/redis/mark-hash.js';
import type { Mark } from '../../../shared/domain/market/events.js';
import { REDIS_KEYS } from '../../../shared/names.js';
import type { FeedStatus, MarkStore } from '../ports.js';

export interface RedisMarkWriterOptions {
  /** Told when a batch is durable in Redis: marks written and when (performance.now()). */
  readonly onWritten?: (marks: readonly Mark[], writtenAt: number) => void;
  readonly onError?: (error: unknown) => void;
  /** Pause before re-sending a failed batch. @default 100 */
  readonly retryDelayMs?: number;
}

/**
 * Writes the latest mark per symbol to `mark:<symbol>` hashes (and the feed status hash, both
 * through their codecs in shared/adapters/redis), all marks of one event-loop
 * turn in one pipeline (one round trip). Marks of the same symbol within a turn coalesce:
 * the newest wins. Batches do not wait for each other: one connection executes pipelines in
 * the order they were sent, so a newer batch can never be overtaken by an older one, and a
 * frame's mark is durable one round trip after the turn that read it. A failed batch is
 * re-queued only for symbols that have nothing newer queued or written since.
 */
export class RedisMarkWriter implements MarkStore {
  private pending = new Map<string, Mark>();
  private stale = new Set<string>();
  private touched = new Map<string, number>();
  private feedStatus: FeedState | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private scheduled = false;
  /** Sequence of the latest change per symbol (put or stale), to drop outdated retries. */
  private readonly latest = new Map<string, number>();
  private seq = 0;
  private readonly seqOf = new WeakMap<Mark, number>();
  writes = 0;
  errors = 0;

  constructor(
    private readonly redis: Redis,
    private readonly options: RedisMarkWriterOptions = {},
  ) {}

  put(mark: Mark): void {
    const seq = ++this.seq;
    this.seqOf.set(mark, seq);
    this.latest.set(mark.symbol, seq);
    this.pending.set(mark.symbol, mark);
    this.stale.delete(mark.symbol);
    this.schedule();
  }

  markStale(symbols: readonly string[]): void {
    for (const symbol of symbols) {
      this.latest.set(symbol, ++this.seq);
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
    while ((this.inFlight.size > 0 || this.hasWork()) && Date.now() < deadline) {
      if (this.hasWork()) this.startWrite();
      await Promise.race([
        Promise.all(this.inFlight),
        new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now()))),
      ]);
    }
  }

  private hasWork(): boolean {
    return this.pending.size > 0 || this.stale.size > 0 || this.touched.size > 0 || this.feedStatus !== undefined;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.hasWork()) this.startWrite();
    });
  }

  private startWrite(): void {
    const write = this.write().finally(() => this.inFlight.delete(write));
    this.inFlight.add(write);
  }

  private async write(): Promise<void> {
    const marks = [...this.pending.values()];
    const stale = [...this.stale];
    const staleSeq = stale.map((symbol) => this.latest.get(symbol) ?? 0);
    const touched = [...this.touched];
    const feed = this.feedStatus;
    this.pending = new Map();
    this.stale = new Set();
    this.touched = new Map();
    this.feedStatus = undefined;
    const pipeline = this.redis.pipeline();
    const written = new Set<string>();
    for (const mark of marks) {
      written.add(mark.symbol);
      pipeline.hset(REDIS_KEYS.mark(mark.symbol), encodeMark(mark));
    }
    for (const symbol of stale) {
      written.add(symbol);
      pipeline.hset(REDIS_KEYS.mark(symbol), encodeMarkStale());
    }
    for (const [symbol, ms] of touched) {
      if (!written.has(symbol)) pipeline.hset(REDIS_KEYS.mark(symbol), encodeMarkVerified(ms));
    }
    if (feed) {
      pipeline.hset(REDIS_KEYS.feedStatus, encodeFeedStatus(feed));
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
      await new Promise((resolve) => setTimeout(resolve, this.options.retryDelayMs ?? 100));
      // Re-queue only what nothing newer has replaced in the meantime.
      for (const mark of marks) {
        if (this.latest.get(mark.symbol) === this.seqOf.get(mark) && !this.pending.has(mark.symbol)) {
          this.pending.set(mark.symbol, mark);
        }
      }
      stale.forEach((symbol, i) => {
        if (this.latest.get(symbol) === staleSeq[i]) this.stale.add(symbol);
      });
      if (feed && !this.feedStatus) this.feedStatus = feed;
      if (this.hasWork()) this.schedule();
    }
  }
}
