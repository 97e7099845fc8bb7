import type { PoisonRecord } from '../../shared/adapters/poison-sink.js';
import type { Decimal } from '../../shared/domain/decimal.js';
import type { BalanceEvent, OrderEvent } from '../../shared/domain/executions/events.js';
import type { WorkingOrder } from '../../shared/domain/executions/working-orders.js';
import type { Fill } from '../../shared/domain/positions/positions.js';
import type { Reservation } from '../../shared/domain/risk/exposure.js';

export type FillOutcome = 'applied' | 'duplicate';

/**
 * The positions ledger: the source of truth applies each fill id exactly once; the mirror
 * the risk API reads is rewritten from it with absolute values, so rewriting is harmless.
 */
export interface PositionsLedgerPort {
  apply(fill: Fill): Promise<FillOutcome>;
  /** Rewrites the hot mirror of these accounts from the source of truth. */
  mirror(accountIds: Iterable<string>): Promise<void>;
}

/**
 * Why a reservation left the book: `acknowledged` when Kraken answered for it (the order
 * acknowledged, rejected, or its amend applied or refused), `expired` when nobody did in time.
 */
export type ReleaseOutcome = 'acknowledged' | 'expired';

/** A reservation that left the book: audited, and deleted from the hot book by its decision id. */
export interface ReservationRelease {
  readonly reservation: Reservation;
  readonly outcome: ReleaseOutcome;
  /** The Kraken order that took it over (acknowledged), null when it expired. */
  readonly krakenOrderId: string | null;
  readonly atMs: number;
}

/** What the store holds of an order when one of its events arrives. */
export interface StoredOrder {
  /** The order as stored (open or a tombstone), null when never seen. */
  readonly order: WorkingOrder | null;
  /** Whether the event's fill (by exec id) already reached the position. */
  readonly fillApplied: boolean;
}

/** What one order event changes, decided by the use case and stored in one transaction. */
export interface OrderEventWrite {
  readonly order: WorkingOrder;
  /** The fill to move into the position (at most once per exec id). */
  readonly fill: Fill | null;
  readonly releases: readonly ReservationRelease[];
}

/** One account's working orders as the source of truth holds them, with the recent releases. */
export interface WorkingOrdersSnapshot {
  readonly accountId: string;
  readonly orders: readonly WorkingOrder[];
  /** Reservations released within the retention window: `reservationId` -> decision ids. */
  readonly released: ReadonlyMap<string, ReadonlySet<string>>;
}

/** The working orders of every account, exactly once per order event (PostgreSQL). */
export interface WorkingOrdersLedgerPort {
  /**
   * Applies one order event exactly once, in one transaction: records the event key, reads
   * the stored order, hands it to `decide`, and stores what `decide` returns (the order, its
   * fill into the position, the reservation releases). Null when the event was applied before.
   */
  applyOrderEvent<T extends OrderEventWrite>(
    event: OrderEvent,
    atMs: number,
    decide: (stored: StoredOrder) => T,
  ): Promise<T | null>;
  /** Records releases (expiries found outside an event); returns those not recorded before. */
  recordReleases(accountId: string, releases: readonly ReservationRelease[]): Promise<ReservationRelease[]>;
  /** The account's orders (tombstones included) and the releases at or after `releasedSinceMs`. */
  snapshot(accountId: string, releasedSinceMs: number): Promise<WorkingOrdersSnapshot>;
  /** Forgets pruned tombstones and the event keys applied at or before `eventsUpToMs`. */
  forget(accountId: string, krakenOrderIds: readonly string[], eventsUpToMs: number): Promise<void>;
}

/** The hot account book the risk API decides on (Redis; shared/adapters/redis/account-book-hash.ts). */
export interface AccountBookPort {
  /** The account's pending reservations as the book holds them now. */
  reservations(accountId: string): Promise<ReadonlyMap<string, Reservation>>;
  /**
   * Makes the book's working orders equal the snapshot's and deletes the reservations the
   * snapshot says were released (same id and decision), in one compare-and-set; re-reads on
   * a concurrent write. Reservations written since (new accepts) are never touched.
   */
  mirror(snapshot: WorkingOrdersSnapshot): Promise<void>;
}

export type BalanceOutcome = 'applied' | 'stale';

/** Kraken balances per account and asset: the latest by Kraken's timestamp wins. */
export interface BalancesLedgerPort {
  apply(event: BalanceEvent): Promise<BalanceOutcome>;
  /** Rewrites the hot balances of these accounts from the source of truth. */
  mirror(accountIds: Iterable<string>): Promise<void>;
  /** The account's balances (Kraken asset names) and positions (signed qty per symbol), to reconcile. */
  holdings(accountId: string): Promise<AccountHoldings>;
}

/** What Kraken says the account holds against what the fills ledger says, read from the source of truth. */
export interface AccountHoldings {
  readonly balances: ReadonlyMap<string, Decimal>;
  readonly positions: ReadonlyMap<string, Decimal>;
}

/** Where a record that can never be applied is parked for a human. */
export interface PoisonFillSink {
  park(record: PoisonRecord): Promise<void>;
}

/** Everything the executions consumer depends on. */
export interface PositionsPorts {
  readonly positions: PositionsLedgerPort;
  readonly orders: WorkingOrdersLedgerPort;
  readonly book: AccountBookPort;
  readonly balances: BalancesLedgerPort;
  readonly poison: PoisonFillSink;
}
