import type { Bar } from '../../domain/breakers/bars.js';
import type { MarketEvent } from '../../domain/market/events.js';

/**
 * Where ticks and one-minute bars go: the partitioned Aurora tables (default) or Amazon
 * Timestream for LiveAnalytics, chosen per stage. Both writes must be idempotent: a
 * redelivered batch writes the same ticks (deduplicated by event id) and the same bars
 * (absolute values, the newest write wins), never double counts.
 */
export interface TimeSeriesSink {
  writeTicks(events: readonly MarketEvent[]): Promise<void>;
  writeBars(bars: readonly Bar[]): Promise<void>;
}

/** Drops everything: for a stage that keeps no time series, and for benchmarks of the state path. */
export class DiscardingTimeSeriesSink implements TimeSeriesSink {
  ticks = 0;
  bars = 0;
  async writeTicks(events: readonly MarketEvent[]): Promise<void> {
    this.ticks += events.length;
  }
  async writeBars(bars: readonly Bar[]): Promise<void> {
    this.bars += bars.length;
  }
}

/** The fields of a market event as a tick row (shared by both adapters). */
export interface TickRow {
  readonly symbol: string;
  readonly eventTsMs: number;
  readonly eventId: string;
  readonly kind: MarketEvent['type'];
  readonly bid: string | null;
  readonly bidQty: string | null;
  readonly ask: string | null;
  readonly askQty: string | null;
  readonly price: string | null;
  readonly qty: string | null;
  readonly side: 'buy' | 'sell' | null;
  readonly exchangeTsMs: number | null;
  readonly receivedAtMs: number;
}

export function tickRow(event: MarketEvent): TickRow {
  const exchangeTsMs = event.exchange_ts ? Date.parse(event.exchange_ts) : null;
  const receivedAtMs = Date.parse(event.receive_ts);
  const base = {
    symbol: event.symbol,
    eventTsMs: exchangeTsMs ?? receivedAtMs,
    eventId: event.event_id,
    kind: event.type,
    exchangeTsMs,
    receivedAtMs,
  };
  switch (event.type) {
    case 'top_of_book':
      return {
        ...base,
        bid: event.bid,
        bidQty: event.bid_qty,
        ask: event.ask,
        askQty: event.ask_qty,
        price: event.mid,
        qty: null,
        side: null,
      };
    case 'trade':
      return {
        ...base,
        bid: null,
        bidQty: null,
        ask: null,
        askQty: null,
        price: event.price,
        qty: event.qty,
        side: event.side,
      };
    case 'ticker':
      return {
        ...base,
        bid: event.bid,
        bidQty: null,
        ask: event.ask,
        askQty: null,
        price: event.last,
        qty: event.volume,
        side: null,
      };
  }
}
