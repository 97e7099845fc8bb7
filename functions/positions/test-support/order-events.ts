import { type OrderEventInput, orderEventId } from '../../../shared/domain/executions/events.js';

/**
 * Builds the order events the account feed publishes for one order, as Kraken's executions
 * would report its life: acknowledged, trades, then a terminal event.
 */
export function orderLife(
  accountId: string,
  clOrdId: string | null,
  krakenOrderId: string,
  order: { qty: string; price: string; side?: 'buy' | 'sell'; symbol?: string },
) {
  let clock = Date.parse('2026-03-02T10:00:00Z');
  const at = () => {
    clock += 1_000;
    return new Date(clock).toISOString();
  };
  const base = (type: OrderEventInput['type'], cum: string, orderQty = order.qty) => {
    const occurred_at = at();
    const fields = {
      kind: 'order' as const,
      type,
      account_id: accountId,
      cl_ord_id: clOrdId,
      order_id: krakenOrderId,
      symbol: order.symbol ?? 'BTC/USD',
      side: order.side ?? 'buy',
      order_type: 'limit' as const,
      order_qty: orderQty,
      cum_qty: cum,
      limit_price: order.price,
      occurred_at,
    };
    return { ...fields, event_id: orderEventId(fields) } satisfies OrderEventInput;
  };
  const trade = (
    execId: string,
    qty: string,
    cum: string,
    type: 'partially_filled' | 'filled' = 'partially_filled',
  ) => ({
    ...base(type, cum),
    event_id: execId,
    fill: { exec_id: execId, qty, price: order.price, fee: '0.1' },
  });
  return {
    acknowledged: () => base('acknowledged', '0'),
    trade: (execId: string, qty: string, cum: string) => trade(execId, qty, cum),
    /** A `filled` that merged its last trade (the feed may send it so). */
    filledWithTrade: (execId: string, qty: string, cum: string) => trade(execId, qty, cum, 'filled'),
    filled: (cum = order.qty) => base('filled', cum),
    amended: (orderQty: string, cum: string) => base('amended', cum, orderQty),
    canceled: (cum: string) => base('canceled', cum),
    expired: (cum: string) => base('expired', cum),
    rejected: () => base('rejected', '0'),
  };
}
