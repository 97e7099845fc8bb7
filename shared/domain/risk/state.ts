import type { Decimal } from '../decimal.js';
import type { OrderType, Side } from '../order.js';
import type { OpenOrders } from './exposure.js';

/** Kraken instrument data for one pair (WS v2 `instrument` channel). */
export interface Instrument {
  readonly symbol: string;
  /** Kraken's pair status; only `online` accepts new orders (others: cancel_only, maintenance…). */
  readonly status: string;
  readonly priceIncrement: Decimal;
  readonly qtyIncrement: Decimal;
  readonly qtyMin: Decimal;
}

/** The hot mark of the order's symbol, as read from Redis. */
export interface MarkSnapshot {
  readonly bid: Decimal;
  readonly ask: Decimal;
  readonly mid: Decimal;
  readonly spreadBps: Decimal;
  /** When the ingester received the update (epoch ms). */
  readonly receiveTsMs: number;
  /**
   * The last time the ingester proved this quote still current (a frame on its live
   * connection, epoch ms). A quiet book keeps its quote but not its age: the age check uses
   * the later of this and `receiveTsMs`.
   */
  readonly verifiedTsMs?: number;
  /** Kraken's timestamp (epoch ms), when it sent one. */
  readonly exchangeTsMs: number | null;
  /** False while the feed is reconnecting or resyncing. */
  readonly live: boolean;
}

/** Epoch ms from which a mark's age counts: its last update or its last verification. */
export function markCurrentAtMs(mark: MarkSnapshot): number {
  return Math.max(mark.receiveTsMs, mark.verifiedTsMs ?? 0);
}

export interface ReferencePrice {
  readonly price: Decimal;
  readonly updatedAtMs: number;
}

export type KillSwitchScope = 'global' | 'account' | 'symbol';

/** An engaged kill switch that covers this order. */
export interface EngagedKillSwitch {
  readonly scope: KillSwitchScope;
  readonly reason: string;
  /** Whether orders that only shrink a position may still pass. */
  readonly allowReduceOnly: boolean;
}

/**
 * Everything the rules need besides the order and the limits, read in one round trip.
 * Nothing here is supplied by the caller: the gate computes from its own state.
 */
export interface RiskState {
  readonly instrument: Instrument | null;
  readonly mark: MarkSnapshot | null;
  readonly reference: ReferencePrice | null;
  /** Set when the symbol's circuit breaker is tripped. */
  readonly breaker: { readonly reason: string } | null;
  readonly killSwitches: readonly EngagedKillSwitch[];
  /** The tradable universe; null when none has been published yet. */
  readonly universe: ReadonlySet<string> | null;
  /** Signed position quantity per symbol (positive long). */
  readonly positions: ReadonlyMap<string, Decimal>;
  /** Mid price of every held symbol (and of the order's symbol), to value exposure. */
  readonly marks: ReadonlyMap<string, Decimal>;
  readonly dailyRealisedPnl: Decimal;
  readonly dailyFees: Decimal;
  /** Validations of this account in the throttle window, this one included. */
  readonly ordersInWindow: number;
  /**
   * The account's open orders per symbol: working on Kraken and reserved by the gate. Every
   * exposure rule counts them. Absent only for a store that predates issue #12 (no orders
   * known); the store that writes reservations must always load them.
   */
  readonly openOrders?: OpenOrders;
  /**
   * Kraken balances per asset (v2 names such as `BTC`, `USD`), once the account feed has a
   * snapshot. Absent until then: positions stand in for holdings and buys are not checked
   * against cash. Present with an asset missing means a zero balance of it.
   */
  readonly balances?: ReadonlyMap<string, Decimal>;
  /** For an amend: the order it changes (its reservation or working order), null if none. */
  readonly amendTarget?: OpenOrder | null;
  /**
   * Whether the account's private Kraken feed is live (its orders and fills are being seen).
   * Absent where the stage does not require the feed (ACCOUNT_FEED_REQUIRED=false); false
   * rejects with ACCOUNT_FEED_UNAVAILABLE.
   */
  readonly accountFeedUsable?: boolean;
}

/** One open order of the account, as an amend needs to see it. */
export interface OpenOrder {
  readonly orderId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly type: OrderType;
  /** `pending`: a reservation not yet acknowledged; `working`: on Kraken's book. */
  readonly stage: 'pending' | 'working';
  /** Total order quantity, filled part included. */
  readonly orderQty: Decimal;
  readonly filledQty: Decimal;
  readonly limitPrice?: Decimal;
  readonly triggerPrice?: Decimal;
  /** The worst-case price its remaining quantity is counted at. */
  readonly worstPrice: Decimal;
  readonly reduceOnly: boolean;
}
