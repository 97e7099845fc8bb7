import type pg from 'pg';
import type { Bar } from '../../domain/breakers/bars.js';
import type { MarketEvent } from '../../domain/market/events.js';
import { TABLES } from '../../names.js';
import { type TimeSeriesSink, tickRow } from './port.js';

/**
 * The default sink: the day-partitioned `market_ticks` / `market_bars` tables of migration
 * 002 (hypertables where TimescaleDB exists). One statement per batch through `unnest`, so
 * a batch of a thousand ticks is one round trip. Ticks are keyed by (symbol, time, event id)
 * and skip on conflict; bars are upserted with absolute values.
 */
export class AuroraTimeSeriesSink implements TimeSeriesSink {
  constructor(private readonly pool: pg.Pool) {}

  async writeTicks(events: readonly MarketEvent[]): Promise<void> {
    if (events.length === 0) return;
    const rows = events.map(tickRow);
    const col = <T>(pick: (r: (typeof rows)[number]) => T) => rows.map(pick);
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    await this.pool.query(
      `INSERT INTO ${TABLES.marketTicks}
         (symbol, event_ts, event_id, kind, bid, bid_qty, ask, ask_qty, price, qty, side, exchange_ts, received_at)
       SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::numeric[], $6::numeric[],
                            $7::numeric[], $8::numeric[], $9::numeric[], $10::numeric[], $11::text[],
                            $12::timestamptz[], $13::timestamptz[])
       ON CONFLICT DO NOTHING`,
      [
        col((r) => r.symbol),
        col((r) => iso(r.eventTsMs)),
        col((r) => r.eventId),
        col((r) => r.kind),
        col((r) => r.bid),
        col((r) => r.bidQty),
        col((r) => r.ask),
        col((r) => r.askQty),
        col((r) => r.price),
        col((r) => r.qty),
        col((r) => r.side),
        col((r) => iso(r.exchangeTsMs)),
        col((r) => iso(r.receivedAtMs)),
      ],
    );
  }

  async writeBars(bars: readonly Bar[]): Promise<void> {
    if (bars.length === 0) return;
    await this.pool.query(
      `INSERT INTO ${TABLES.marketBars} (symbol, bar_interval, bucket_start, open, high, low, close, volume, trades)
       SELECT s, interval '1 minute', b, o, h, l, c, v, n
         FROM unnest($1::text[], $2::timestamptz[], $3::numeric[], $4::numeric[], $5::numeric[], $6::numeric[],
                     $7::numeric[], $8::int[]) AS t(s, b, o, h, l, c, v, n)
       ON CONFLICT (symbol, bar_interval, bucket_start) DO UPDATE
         SET open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low, close = EXCLUDED.close,
             volume = EXCLUDED.volume, trades = EXCLUDED.trades`,
      [
        bars.map((b) => b.symbol),
        bars.map((b) => new Date(b.bucketStartMs).toISOString()),
        bars.map((b) => b.open),
        bars.map((b) => b.high),
        bars.map((b) => b.low),
        bars.map((b) => b.close),
        bars.map((b) => b.volume),
        bars.map((b) => b.trades),
      ],
    );
  }
}
