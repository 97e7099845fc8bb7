import { Decimal } from '../../domain/decimal.js';
import { type KrakenOrderType, krakenOrderTypeSchema } from '../../domain/executions/events.js';
import type { WorkingOrder } from '../../domain/executions/working-orders.js';

/**
 * A row of `working_orders` (migration 009) as {@link WORKING_ORDER_COLUMNS} selects it, and
 * its mapping to the domain's {@link WorkingOrder}. Shared by the positions consumer (which
 * writes the table) and the state rebuild (which restores the account book from it), so the
 * two cannot drift on what a stored order means.
 */
export interface WorkingOrderRow {
  kraken_order_id: string;
  cl_ord_id: string | null;
  symbol: string;
  side: 'buy' | 'sell';
  order_type: string;
  order_qty: string;
  cum_qty: string;
  filled_qty: string;
  limit_price: string | null;
  trigger_price: string | null;
  reduce_only: boolean;
  closed_at_ms: string | null;
}

/** Numerics as text: Decimal parses them exactly (pg would hand back floats otherwise). */
export const WORKING_ORDER_COLUMNS = `kraken_order_id, cl_ord_id, symbol, side, order_type, order_qty::text, cum_qty::text,
  filled_qty::text, limit_price::text, trigger_price::text, reduce_only, closed_at_ms::text`;

export function workingOrderFromRow(row: WorkingOrderRow): WorkingOrder {
  return {
    krakenOrderId: row.kraken_order_id,
    clOrdId: row.cl_ord_id,
    symbol: row.symbol,
    side: row.side,
    // The column is only ever written from a parsed event, so this cannot refuse a stored row.
    type: krakenOrderTypeSchema.parse(row.order_type) as KrakenOrderType,
    orderQty: Decimal.parse(row.order_qty),
    cumQty: Decimal.parse(row.cum_qty),
    filledQty: Decimal.parse(row.filled_qty),
    ...(row.limit_price !== null ? { limitPrice: Decimal.parse(row.limit_price) } : {}),
    ...(row.trigger_price !== null ? { triggerPrice: Decimal.parse(row.trigger_price) } : {}),
    reduceOnly: row.reduce_only,
    closedAtMs: row.closed_at_ms === null ? null : Number(row.closed_at_ms),
  };
}
