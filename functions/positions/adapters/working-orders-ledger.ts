import type pg from 'pg';
import {
  WORKING_ORDER_COLUMNS as ORDER_COLUMNS,
  workingOrderFromRow as orderFromRow,
  type WorkingOrderRow,
} from '../../../shared/adapters/postgres/working-order-row.js';
import type { OrderEvent } from '../../../shared/domain/executions/events.js';
import { TABLES } from '../../../shared/names.js';
import type {
  OrderEventWrite,
  ReservationRelease,
  StoredOrder,
  WorkingOrdersLedgerPort,
  WorkingOrdersSnapshot,
} from '../ports.js';
import { applyFillInTransaction } from './positions-ledger.js';

async function insertReleases(
  client: pg.ClientBase,
  accountId: string,
  releases: readonly ReservationRelease[],
): Promise<ReservationRelease[]> {
  const recorded: ReservationRelease[] = [];
  for (const release of releases) {
    const r = release.reservation;
    const inserted = await client.query(
      `INSERT INTO ${TABLES.reservationReleases}
         (account_id, reservation_id, decision_id, outcome, kraken_order_id, symbol, side, qty, worst_price,
          expires_at_ms, released_at_ms)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT DO NOTHING`,
      [
        accountId,
        r.orderId,
        r.decisionId,
        release.outcome,
        release.krakenOrderId,
        r.symbol,
        r.side,
        r.qty.toString(),
        r.worstPrice.toString(),
        r.expiresAtMs,
        release.atMs,
      ],
    );
    if (inserted.rowCount) recorded.push(release);
  }
  return recorded;
}

/**
 * Working orders in PostgreSQL, the source of truth the account book is mirrored from. One
 * transaction per order event: the event key is inserted first (a redelivered event finds it
 * and writes nothing), the order row is locked, and the order, its fill into the position
 * (the same code legacy fills take) and the reservation releases are written together, so
 * a crash between them cannot move a position without its working order or the reverse.
 */
export class WorkingOrdersLedger implements WorkingOrdersLedgerPort {
  constructor(
    private readonly pool: pg.Pool,
    private readonly boundaryMinutes: number,
  ) {}

  async applyOrderEvent<T extends OrderEventWrite>(
    event: OrderEvent,
    atMs: number,
    decide: (stored: StoredOrder) => T,
  ): Promise<T | null> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const first = await client.query(
        `INSERT INTO ${TABLES.orderEventsApplied} (account_id, event_key, kraken_order_id, applied_at_ms)
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
        [event.account_id, `${event.type}:${event.event_id}`, event.order_id, atMs],
      );
      if (!first.rowCount) {
        await client.query('ROLLBACK');
        return null;
      }
      const { rows } = await client.query<WorkingOrderRow>(
        `SELECT ${ORDER_COLUMNS} FROM ${TABLES.workingOrders} WHERE account_id = $1 AND kraken_order_id = $2 FOR UPDATE`,
        [event.account_id, event.order_id],
      );
      const fillApplied = event.fill
        ? Boolean(
            (await client.query(`SELECT 1 FROM ${TABLES.fills} WHERE fill_id = $1`, [event.fill.exec_id])).rowCount,
          )
        : false;
      const row = rows[0];
      const decision = decide({ order: row ? orderFromRow(row) : null, fillApplied });
      const o = decision.order;
      await client.query(
        `INSERT INTO ${TABLES.workingOrders}
           (account_id, kraken_order_id, cl_ord_id, symbol, side, order_type, order_qty, cum_qty, filled_qty,
            limit_price, trigger_price, reduce_only, closed_at_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT (account_id, kraken_order_id) DO UPDATE SET
           order_qty = EXCLUDED.order_qty, cum_qty = EXCLUDED.cum_qty, filled_qty = EXCLUDED.filled_qty,
           limit_price = EXCLUDED.limit_price, trigger_price = EXCLUDED.trigger_price,
           closed_at_ms = EXCLUDED.closed_at_ms, updated_at = now()`,
        [
          event.account_id,
          o.krakenOrderId,
          o.clOrdId,
          o.symbol,
          o.side,
          o.type,
          o.orderQty.toString(),
          o.cumQty.toString(),
          o.filledQty.toString(),
          o.limitPrice?.toString() ?? null,
          o.triggerPrice?.toString() ?? null,
          o.reduceOnly,
          o.closedAtMs,
        ],
      );
      if (decision.fill && (await applyFillInTransaction(client, decision.fill, this.boundaryMinutes)) !== 'applied') {
        // The state machine was told the fill was new; the fills table disagrees. Nothing is written.
        throw new Error(`fill ${decision.fill.fill_id} of order ${event.order_id} was applied concurrently`);
      }
      await insertReleases(client, event.account_id, decision.releases);
      await client.query('COMMIT');
      return decision;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async recordReleases(accountId: string, releases: readonly ReservationRelease[]): Promise<ReservationRelease[]> {
    if (releases.length === 0) return [];
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const recorded = await insertReleases(client, accountId, releases);
      await client.query('COMMIT');
      return recorded;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async snapshot(accountId: string, releasedSinceMs: number): Promise<WorkingOrdersSnapshot> {
    const [orders, releases] = await Promise.all([
      this.pool.query<WorkingOrderRow>(
        `SELECT ${ORDER_COLUMNS} FROM ${TABLES.workingOrders} WHERE account_id = $1 ORDER BY kraken_order_id`,
        [accountId],
      ),
      this.pool.query<{ reservation_id: string; decision_id: string }>(
        `SELECT reservation_id, decision_id FROM ${TABLES.reservationReleases}
          WHERE account_id = $1 AND released_at_ms >= $2`,
        [accountId, releasedSinceMs],
      ),
    ]);
    const released = new Map<string, Set<string>>();
    for (const r of releases.rows) {
      const decisions = released.get(r.reservation_id) ?? new Set<string>();
      decisions.add(r.decision_id);
      released.set(r.reservation_id, decisions);
    }
    return { accountId, orders: orders.rows.map(orderFromRow), released };
  }

  async forget(accountId: string, krakenOrderIds: readonly string[], eventsUpToMs: number): Promise<void> {
    if (krakenOrderIds.length > 0) {
      await this.pool.query(
        `DELETE FROM ${TABLES.workingOrders} WHERE account_id = $1 AND kraken_order_id = ANY($2::text[])
            AND closed_at_ms IS NOT NULL`,
        [accountId, krakenOrderIds],
      );
    }
    await this.pool.query(`DELETE FROM ${TABLES.orderEventsApplied} WHERE account_id = $1 AND applied_at_ms <= $2`, [
      accountId,
      eventsUpToMs,
    ]);
  }
}
