import { Decimal } from '../decimal.js';
import {
  type BalanceEvent,
  balanceEventSchema,
  type KrakenOrderType,
  krakenOrderTypeSchema,
  type OrderEvent,
  type OrderEventType,
  orderEventId,
  orderEventSchema,
} from '../executions/events.js';
import type { KrakenBalance, KrakenExecution } from './kraken-private-v2.js';
import { type OrderHistoryEntry, type Settlement, settleVanished } from './settle-vanished.js';

/**
 * Turns one account's Kraken `executions` entries into the `executions` stream contract
 * ({@link OrderEvent}, shared/domain/executions/events.ts).
 *
 * Kraken repeats an order's description only on its first message (`pending_new`, or the
 * snapshot entry of an open order); later updates carry the order id and what changed. So
 * the translator keeps each open order's description (the working set) and completes every
 * event from it. An order it cannot describe (an update for an order it never saw) yields a
 * problem, never an invented quantity.
 *
 * Mapping (see events.ts): `new` -> acknowledged; `amended`/`restated` -> amended; `trade`
 * -> partially_filled with its fill; `filled`, `canceled`, `expired` -> the same names;
 * `pending_new`, `status`, `iceberg_refill` update the working set only.
 */

export interface WorkingOrder {
  readonly orderId: string;
  readonly clOrdId: string | null;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly orderType: KrakenOrderType;
  orderQty: string;
  cumQty: string;
  limitPrice?: string;
  triggerPrice?: string;
  avgPrice?: string;
  reduceOnly: boolean;
  /** Trades already applied (a reconnect snapshot repeats the last ones). */
  readonly execIds: Set<string>;
}

export interface TranslationProblem {
  readonly orderId: string;
  readonly execType: string;
  readonly problem: string;
}

export interface Translation {
  readonly events: OrderEvent[];
  readonly problems: TranslationProblem[];
  /** Orders first seen in this batch (candidates for the unvetted-order check). */
  readonly newOrders: WorkingOrder[];
}

/** What a snapshot says about the working set the translator held before it. */
export interface SnapshotReconciliation {
  /** Open on Kraken, unknown before (placed while the feed was away, or on first connect). */
  readonly appeared: readonly string[];
  /** Held as open, absent from the snapshot and not closed by a trade in it: outcome unknown. */
  readonly vanished: readonly string[];
}

const TERMINAL: ReadonlySet<OrderEventType> = new Set(['filled', 'canceled', 'expired', 'rejected']);

function toIso(timestamp: string): string {
  // Kraken sends RFC 3339 with microseconds; the contract takes any ISO-8601 with a zone.
  return timestamp;
}

export class ExecutionTranslator {
  private readonly working = new Map<string, WorkingOrder>();

  constructor(readonly accountId: string) {}

  /** The open orders as the translator knows them. */
  workingOrders(): ReadonlyMap<string, WorkingOrder> {
    return this.working;
  }

  /**
   * Applies one `executions` frame. A snapshot is reconciled against the working set: trades
   * first (so a fill missed while away is applied before the order's state), then orders.
   */
  apply(
    type: 'snapshot' | 'update',
    entries: readonly KrakenExecution[],
  ): Translation & { reconciliation?: SnapshotReconciliation } {
    if (type === 'update') return this.applyEntries(entries, false);
    const before = new Set(this.working.keys());
    const trades = entries.filter((e) => e.execType === 'trade');
    const orders = entries.filter((e) => e.execType !== 'trade');
    const result = this.applyEntries([...trades, ...orders], true);
    const open = new Set(orders.map((e) => e.orderId));
    const appeared = [...open].filter((id) => !before.has(id) && this.working.has(id));
    const vanished: string[] = [];
    for (const id of before) {
      if (!this.working.has(id) || open.has(id)) continue;
      // Closed while the feed was away. A trade in the snapshot that completed it proves the
      // fill; the `filled` message itself was missed, so it is rebuilt from that trade.
      const completing = trades.filter((t) => t.orderId === id && t.orderStatus === 'filled').at(-1);
      if (!completing) {
        vanished.push(id);
        continue;
      }
      const closed = this.applyEntries(
        [{ execType: 'filled', orderId: id, timestamp: completing.timestamp, orderStatus: 'filled' }],
        false,
      );
      result.events.push(...closed.events);
      result.problems.push(...closed.problems);
    }
    return { ...result, reconciliation: { appeared, vanished } };
  }

  /**
   * Settles a vanished order from Kraken's order history ({@link settleVanished}). A proven
   * cancel or expiry is applied as the live message would have been (same event, same
   * `event_id` rules), so it closes the order here and downstream; anything else leaves the
   * order working. `gone` when the order is no longer in the working set (settled meanwhile).
   */
  settle(
    orderId: string,
    entry: OrderHistoryEntry | undefined,
  ): Translation & { readonly settlement: Settlement | { readonly kind: 'gone' } } {
    const order = this.working.get(orderId);
    if (!order) return { events: [], problems: [], newOrders: [], settlement: { kind: 'gone' } };
    const settlement = settleVanished(order, entry);
    if (settlement.kind !== 'close') return { events: [], problems: [], newOrders: [], settlement };
    return { ...this.applyEntries([settlement.execution], false), settlement };
  }

  private applyEntries(entries: readonly KrakenExecution[], snapshot: boolean): Translation {
    const events: OrderEvent[] = [];
    const problems: TranslationProblem[] = [];
    const newOrders: WorkingOrder[] = [];
    for (const entry of entries) {
      const known = this.working.get(entry.orderId);
      const order = known ?? this.describe(entry);
      if (!order) {
        // A snapshot's trade of an order closed before this feed knew it: history, not ours to replay.
        if (!(snapshot && entry.execType === 'trade')) {
          problems.push({ orderId: entry.orderId, execType: entry.execType, problem: 'order not described' });
        }
        continue;
      }
      if (!known) {
        this.working.set(order.orderId, order);
        newOrders.push(order);
      }
      const outcome = this.translate(order, entry, snapshot, !known);
      if (outcome.problem)
        problems.push({ orderId: entry.orderId, execType: entry.execType, problem: outcome.problem });
      if (outcome.event) {
        events.push(outcome.event);
        if (TERMINAL.has(outcome.event.type)) this.working.delete(order.orderId);
      }
    }
    return { events, problems, newOrders };
  }

  private describe(entry: KrakenExecution): WorkingOrder | null {
    if (entry.execType === 'trade') return null;
    const orderType = krakenOrderTypeSchema.safeParse(entry.orderType);
    if (!entry.symbol || !entry.side || !entry.orderQty || !orderType.success) return null;
    return {
      orderId: entry.orderId,
      clOrdId: entry.clOrdId ?? null,
      symbol: entry.symbol,
      side: entry.side,
      orderType: orderType.data,
      orderQty: entry.orderQty,
      cumQty: entry.cumQty ?? '0',
      limitPrice: entry.limitPrice,
      triggerPrice: entry.triggerPrice,
      avgPrice: entry.avgPrice,
      reduceOnly: entry.reduceOnly ?? false,
      execIds: new Set(),
    };
  }

  private translate(
    order: WorkingOrder,
    entry: KrakenExecution,
    snapshot: boolean,
    firstSeen: boolean,
  ): { event?: OrderEvent; problem?: string } {
    if (entry.execType === 'trade') {
      if (entry.execId && order.execIds.has(entry.execId)) return {};
    } else if (snapshot && !firstSeen) {
      // A known order restated by a reconnect snapshot: news only if it was amended meanwhile.
      const changed =
        (entry.orderQty !== undefined && entry.orderQty !== order.orderQty) ||
        (entry.limitPrice !== undefined && entry.limitPrice !== order.limitPrice) ||
        (entry.triggerPrice !== undefined && entry.triggerPrice !== order.triggerPrice);
      this.absorb(order, entry);
      return changed ? this.build(order, entry, 'amended') : {};
    }
    this.absorb(order, entry);

    let type: OrderEventType | null;
    switch (entry.execType) {
      case 'new':
        type = 'acknowledged';
        break;
      case 'pending_new':
        // Not published (the gate's reservation covers it), except an order first seen open
        // in a snapshot: that is the only acknowledgement the stream will ever get.
        type = snapshot && firstSeen ? 'acknowledged' : null;
        break;
      case 'amended':
      case 'restated':
        type = 'amended';
        break;
      case 'trade':
        type = 'partially_filled';
        break;
      case 'filled':
        type = 'filled';
        break;
      case 'canceled':
        type = 'canceled';
        break;
      case 'expired':
        type = 'expired';
        break;
      default:
        type = null;
    }
    if (!type) return {};
    return this.build(order, entry, type);
  }

  private absorb(order: WorkingOrder, entry: KrakenExecution): void {
    if (entry.orderQty) order.orderQty = entry.orderQty;
    if (entry.limitPrice) order.limitPrice = entry.limitPrice;
    if (entry.triggerPrice) order.triggerPrice = entry.triggerPrice;
    if (entry.avgPrice) order.avgPrice = entry.avgPrice;
    if (entry.cumQty) order.cumQty = entry.cumQty;
  }

  private build(
    order: WorkingOrder,
    entry: KrakenExecution,
    type: OrderEventType,
  ): { event?: OrderEvent; problem?: string } {
    let fill: OrderEvent['fill'];
    if (type === 'partially_filled') {
      if (!entry.execId || !entry.lastQty || !entry.lastPrice)
        return { problem: 'trade without exec_id, qty or price' };
      fill = {
        exec_id: entry.execId,
        qty: entry.lastQty,
        price: entry.lastPrice,
        fee: entry.feeUsdEquiv ?? '0',
        liquidity: entry.liquidity,
      };
      order.execIds.add(entry.execId);
      if (!entry.cumQty) order.cumQty = Decimal.parse(order.cumQty).add(Decimal.parse(entry.lastQty)).toString();
    }
    if (type === 'filled' && !entry.cumQty) order.cumQty = order.orderQty;

    const base = {
      kind: 'order' as const,
      type,
      account_id: this.accountId,
      cl_ord_id: order.clOrdId,
      order_id: order.orderId,
      symbol: order.symbol,
      side: order.side,
      order_type: order.orderType,
      order_qty: order.orderQty,
      cum_qty: order.cumQty,
      limit_price: order.limitPrice,
      trigger_price: order.triggerPrice,
      avg_price: order.avgPrice,
      reduce_only: order.reduceOnly,
      fill,
      reason: type === 'canceled' || type === 'expired' ? entry.reason?.slice(0, 256) : undefined,
      occurred_at: toIso(entry.timestamp),
    };
    const eventId = fill ? fill.exec_id : orderEventId(base);
    const parsed = orderEventSchema.safeParse({ ...base, event_id: eventId });
    if (!parsed.success) {
      return { problem: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
    }
    return { event: parsed.data };
  }
}

/**
 * Balance entries as `balance` events. An update names its ledger entry (the event id); a
 * snapshot entry has no id or time of its own, so it takes the receive time and an id made of
 * asset, balance and that time.
 */
export function translateBalances(
  accountId: string,
  entries: readonly KrakenBalance[],
  receivedAtIso: string,
): { events: BalanceEvent[]; problems: string[] } {
  const events: BalanceEvent[] = [];
  const problems: string[] = [];
  for (const entry of entries) {
    const occurredAt = entry.timestamp ?? receivedAtIso;
    const parsed = balanceEventSchema.safeParse({
      kind: 'balance',
      event_id: entry.ledgerId ?? `${entry.asset}:${entry.balance}:${occurredAt}`,
      account_id: accountId,
      asset: entry.asset,
      balance: entry.balance,
      occurred_at: occurredAt,
    });
    if (parsed.success) events.push(parsed.data);
    else problems.push(`${entry.asset}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  }
  return { events, problems };
}
