import type { Mark, MarketEvent, TradeEvent } from '../../../shared/domain/market/events.js';
import type { FeedStatus, MarketEventSink, MarkStore } from '../ports.js';

/** In-memory {@link MarketEventSink} for unit tests (integration tests use kinesis-local). */
export class MemoryEventSink implements MarketEventSink {
  readonly events: MarketEvent[] = [];
  publish(event: MarketEvent): boolean {
    this.events.push(event);
    return true;
  }
  async flush(): Promise<void> {}
}

/** In-memory {@link MarkStore} for unit tests (integration tests use Redis). */
export class MemoryMarkStore implements MarkStore {
  readonly marks = new Map<string, Mark>();
  readonly stale = new Set<string>();
  /** Every symbol ever marked stale, in order. */
  readonly staleHistory: string[] = [];
  feed: { status: FeedStatus; reason: string } | undefined;
  put(mark: Mark): void {
    this.marks.set(mark.symbol, mark);
    this.stale.delete(mark.symbol);
  }
  markStale(symbols: readonly string[]): void {
    for (const symbol of symbols) {
      this.stale.add(symbol);
      this.staleHistory.push(symbol);
    }
  }
  /** Every `touch` call: the symbols re-verified and when. */
  readonly touches: { symbols: string[]; atMs: number }[] = [];
  touch(symbols: readonly string[], verifiedMs: number): void {
    this.touches.push({ symbols: [...symbols], atMs: verifiedMs });
  }
  setFeedStatus(status: FeedStatus, reason: string): void {
    this.feed = { status, reason };
  }
  async flush(): Promise<void> {}
}

/** Polls `condition` every 10 ms until true; throws with `what` after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<number> {
  const started = performance.now();
  while (!condition()) {
    if (performance.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return performance.now() - started;
}

/** A trade event numbered `seq` (its trade id), for sink tests; `padding` makes the record bigger. */
export function tradeEvent(symbol: string, seq: number, padding = ''): TradeEvent {
  return {
    type: 'trade',
    event_id: `kraken:${symbol}:trade:${seq}`,
    symbol,
    exchange_ts: '2026-11-23T10:00:00.000Z',
    receive_ts: '2026-11-23T10:00:00.001Z',
    trade_id: seq,
    side: 'buy',
    price: '65000.1',
    qty: `0.${String(seq).padStart(8, '0')}${padding}`,
  };
}
