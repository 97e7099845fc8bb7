import type pg from 'pg';
import { TABLES } from '../../names.js';
import type { ReservationEvent } from '../redis/reservation-events.js';

/**
 * Writes reservation events into `reservation_events` (migration 010). Idempotent: an event
 * already present (same decision, order and kind) inserts nothing, so the drainer may
 * re-deliver after a crash between insert and stream delete.
 */
export class PostgresReservationEventWriter {
  constructor(private readonly pool: pg.Pool) {}

  async insert(events: readonly ReservationEvent[]): Promise<void> {
    if (events.length === 0) return;
    const values: unknown[] = [];
    const rows = events.map((e, i) => {
      const r = e.reservation;
      values.push(
        r.account_id,
        r.order_id,
        r.decision_id,
        e.kind,
        r.symbol,
        r.side,
        r.qty,
        r.worst_price,
        r.expires_at_ms,
        e.atMs,
        JSON.stringify(r),
      );
      const p = i * 11;
      return `($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5}, $${p + 6}, $${p + 7}::numeric, $${p + 8}::numeric, $${p + 9}, $${p + 10}, $${p + 11}::jsonb)`;
    });
    await this.pool.query(
      `INSERT INTO ${TABLES.reservationEvents}
         (account_id, order_id, decision_id, kind, symbol, side, qty, worst_price, expires_at_ms, at_ms, reservation)
       VALUES ${rows.join(', ')}
       ON CONFLICT (decision_id, order_id, kind) DO NOTHING`,
      values,
    );
  }
}
