import type { PoisonRecord } from '../../../shared/adapters/poison-sink.js';
import { Decimal } from '../../../shared/domain/decimal.js';
import type { BalanceEvent, OrderEvent } from '../../../shared/domain/executions/events.js';
import type { WorkingOrder } from '../../../shared/domain/executions/working-orders.js';
import { applyFill, type Fill, FLAT, type Position } from '../../../shared/domain/positions/positions.js';
import type { Reservation } from '../../../shared/domain/risk/exposure.js';
import type {
  AccountBookPort,
  AccountHoldings,
  BalanceOutcome,
  BalancesLedgerPort,
  FillOutcome,
  OrderEventWrite,
  PoisonFillSink,
  PositionsLedgerPort,
  PositionsPorts,
  ReservationRelease,
  StoredOrder,
  WorkingOrdersLedgerPort,
  WorkingOrdersSnapshot,
} from '../ports.js';

/** In-memory fakes of the positions ports, for unit tests of the batch use case. */

/** Each fill id once; `failOn` makes one fill id throw (a store failure). */
export class MemoryPositionsLedger implements PositionsLedgerPort {
  readonly applied: Fill[] = [];
  readonly held = new Map<string, Position>();
  readonly mirrored: string[][] = [];
  failOn?: string;

  async apply(fill: Fill): Promise<FillOutcome> {
    if (fill.fill_id === this.failOn) throw new Error('ledger unavailable');
    if (this.applied.some((f) => f.fill_id === fill.fill_id)) return 'duplicate';
    this.applied.push(fill);
    const key = `${fill.account_id}|${fill.symbol}`;
    this.held.set(key, applyFill(this.held.get(key) ?? FLAT, fill).position);
    return 'applied';
  }

  has(fillId: string): boolean {
    return this.applied.some((f) => f.fill_id === fillId);
  }

  qty(accountId: string, symbol: string): string {
    return (this.held.get(`${accountId}|${symbol}`) ?? FLAT).qty.toString();
  }

  async mirror(accountIds: Iterable<string>): Promise<void> {
    this.mirrored.push([...accountIds].sort());
  }
}

/** Working orders with the same exactly-once contract as the PostgreSQL ledger. */
export class MemoryWorkingOrdersLedger implements WorkingOrdersLedgerPort {
  readonly seen = new Map<string, number>();
  readonly orders = new Map<string, WorkingOrder>();
  readonly releases: (ReservationRelease & { accountId: string })[] = [];

  constructor(private readonly positions: MemoryPositionsLedger) {}

  async applyOrderEvent<T extends OrderEventWrite>(
    event: OrderEvent,
    atMs: number,
    decide: (stored: StoredOrder) => T,
  ): Promise<T | null> {
    const key = `${event.account_id}|${event.type}:${event.event_id}`;
    if (this.seen.has(key)) return null;
    const decision = decide({
      order: this.orders.get(`${event.account_id}|${event.order_id}`) ?? null,
      fillApplied: event.fill ? this.positions.has(event.fill.exec_id) : false,
    });
    // All or nothing, like the transaction: the fill first, since it is the write that can fail.
    if (decision.fill) await this.positions.apply(decision.fill);
    this.seen.set(key, atMs);
    this.orders.set(`${event.account_id}|${decision.order.krakenOrderId}`, decision.order);
    await this.recordReleases(event.account_id, decision.releases);
    return decision;
  }

  async recordReleases(accountId: string, releases: readonly ReservationRelease[]): Promise<ReservationRelease[]> {
    const fresh = releases.filter(
      (r) =>
        !this.releases.some(
          (k) =>
            k.accountId === accountId &&
            k.reservation.orderId === r.reservation.orderId &&
            k.reservation.decisionId === r.reservation.decisionId,
        ),
    );
    this.releases.push(...fresh.map((r) => ({ ...r, accountId })));
    return fresh;
  }

  async snapshot(accountId: string, releasedSinceMs: number): Promise<WorkingOrdersSnapshot> {
    const released = new Map<string, Set<string>>();
    for (const r of this.releases) {
      if (r.accountId !== accountId || r.atMs < releasedSinceMs) continue;
      released.set(
        r.reservation.orderId,
        (released.get(r.reservation.orderId) ?? new Set()).add(r.reservation.decisionId),
      );
    }
    const orders = [...this.orders].filter(([k]) => k.startsWith(`${accountId}|`)).map(([, o]) => o);
    return { accountId, orders, released };
  }

  async forget(accountId: string, krakenOrderIds: readonly string[], eventsUpToMs: number): Promise<void> {
    for (const id of krakenOrderIds) this.orders.delete(`${accountId}|${id}`);
    for (const [key, at] of this.seen) if (key.startsWith(`${accountId}|`) && at <= eventsUpToMs) this.seen.delete(key);
  }
}

/** The hot book: reservations the risk API wrote, working orders the mirror wrote. */
export class MemoryAccountBook implements AccountBookPort {
  readonly reservationsOf = new Map<string, Map<string, Reservation>>();
  readonly ordersOf = new Map<string, Map<string, WorkingOrder>>();
  mirrors = 0;

  /** What the risk API's accept does. */
  reserve(reservation: Reservation): void {
    const held = this.reservationsOf.get(reservation.accountId) ?? new Map<string, Reservation>();
    held.set(reservation.orderId, reservation);
    this.reservationsOf.set(reservation.accountId, held);
  }

  async reservations(accountId: string): Promise<ReadonlyMap<string, Reservation>> {
    return new Map(this.reservationsOf.get(accountId) ?? []);
  }

  async mirror(snapshot: WorkingOrdersSnapshot): Promise<void> {
    this.mirrors++;
    this.ordersOf.set(snapshot.accountId, new Map(snapshot.orders.map((o) => [o.krakenOrderId, o])));
    const held = this.reservationsOf.get(snapshot.accountId);
    for (const [id, r] of held ?? []) {
      if (snapshot.released.get(id)?.has(r.decisionId)) held?.delete(id);
    }
  }
}

/** Latest balance per account and asset by Kraken's timestamp. */
export class MemoryBalancesLedger implements BalancesLedgerPort {
  readonly stored = new Map<string, { balance: string; at: string }>();
  readonly mirrored: string[][] = [];

  constructor(private readonly positions: MemoryPositionsLedger) {}

  async apply(event: BalanceEvent): Promise<BalanceOutcome> {
    const key = `${event.account_id}|${event.asset}`;
    const held = this.stored.get(key);
    if (held && Date.parse(held.at) > Date.parse(event.occurred_at)) return 'stale';
    this.stored.set(key, { balance: event.balance, at: event.occurred_at });
    return 'applied';
  }

  async mirror(accountIds: Iterable<string>): Promise<void> {
    this.mirrored.push([...accountIds].sort());
  }

  async holdings(accountId: string): Promise<AccountHoldings> {
    const balances = new Map<string, Decimal>();
    for (const [key, { balance }] of this.stored) {
      const [account, asset] = key.split('|');
      if (account === accountId && asset) balances.set(asset, Decimal.parse(balance));
    }
    const positions = new Map<string, Decimal>();
    for (const [key, position] of this.positions.held) {
      const [account, symbol] = key.split('|');
      if (account === accountId && symbol) positions.set(symbol, position.qty);
    }
    return { balances, positions };
  }
}

export class MemoryPoisonSink implements PoisonFillSink {
  readonly parked: PoisonRecord[] = [];
  async park(record: PoisonRecord): Promise<void> {
    this.parked.push(record);
  }
}

export function memoryPorts() {
  const positions = new MemoryPositionsLedger();
  const ports = {
    positions,
    orders: new MemoryWorkingOrdersLedger(positions),
    book: new MemoryAccountBook(),
    balances: new MemoryBalancesLedger(positions),
    poison: new MemoryPoisonSink(),
  } satisfies PositionsPorts;
  return ports;
}

/** A reservation as the risk API's accept writes it. */
export function reservationOf(
  accountId: string,
  orderId: string,
  fields: { qty?: string; price?: string; expiresAtMs?: number; decisionId?: string; side?: 'buy' | 'sell' } = {},
): Reservation {
  const price = Decimal.parse(fields.price ?? '100');
  return {
    accountId,
    orderId,
    decisionId: fields.decisionId ?? `d-${orderId}`,
    symbol: 'BTC/USD',
    side: fields.side ?? 'buy',
    type: 'limit',
    qty: Decimal.parse(fields.qty ?? '1'),
    limitPrice: price,
    worstPrice: price,
    reduceOnly: false,
    createdAtMs: 0,
    expiresAtMs: fields.expiresAtMs ?? Number.MAX_SAFE_INTEGER,
  };
}
