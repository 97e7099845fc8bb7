import type { BreakerCause } from '../../shared/domain/breakers/hysteresis.js';
import type { KillSwitchState } from '../../shared/domain/controls/kill-switch.js';
import type { Decimal } from '../../shared/domain/decimal.js';
import type { WorkingOrder } from '../../shared/domain/executions/working-orders.js';
import type { InstrumentPair } from '../../shared/domain/market/kraken-v2.js';
import type { EpochVerdict, StateEpoch } from '../../shared/domain/state-epoch.js';

/** Ports of the state rebuild; adapters in ./adapters (Aurora in, Redis out). */

/** The latest engage or release of one kill switch scope and target, from `kill_switch_log`. */
export interface KillSwitchLatest {
  readonly state: KillSwitchState;
  /** `engage`: in force; `release`: released by two approvers. */
  readonly action: 'engage' | 'release';
}

/** A breaker cause whose latest event in `breaker_events` is a trip. */
export interface BreakerTrip {
  readonly symbol: string;
  readonly cause: BreakerCause;
  readonly reason: string;
  readonly atMs: number;
}

/**
 * One account's positions, its latest trading day's counters, its open working orders and
 * its balances (`positions`, `daily_pnl`, `working_orders`, `account_balances`).
 */
export interface AccountPositions {
  readonly accountId: string;
  /** Non-flat positions only. */
  readonly positions: ReadonlyMap<string, Decimal>;
  readonly daily: { readonly date: string; readonly realisedPnl: Decimal; readonly fees: Decimal } | null;
  /** Open working orders only (tombstones of closed ones stay out). */
  readonly workingOrders: readonly WorkingOrder[];
  /** Null when Kraken never sent this account a balance (the cache's is left alone). */
  readonly balances: ReadonlyMap<string, Decimal> | null;
}

/** What the durable store (Aurora) says the cache must hold. */
export interface DurableState {
  readonly killSwitches: readonly KillSwitchLatest[];
  /** Every engagement (event id) that a release ended: a cache still holding one is stale. */
  readonly releasedEventIds: ReadonlySet<string>;
  readonly breakerTrips: readonly BreakerTrip[];
  readonly instruments: readonly InstrumentPair[];
  /** The latest universe; null when none was ever published (the cache's is left alone). */
  readonly universe: readonly string[] | null;
  readonly accounts: readonly AccountPositions[];
}

/** Aurora, read only. */
export interface DurableStateSource {
  /** The highest durable state generation (migration 007). */
  generation(): Promise<number>;
  read(): Promise<DurableState>;
}

/** What a restore wrote, for the report and the metrics. */
export interface RestoreCounts {
  readonly killSwitchesEngaged: number;
  readonly killSwitchesCleared: number;
  readonly breakerTrips: number;
  readonly instruments: number;
  readonly universe: number;
  readonly accounts: number;
  /** Open working orders written to account books. */
  readonly workingOrders: number;
  /** Accounts whose balances hash was rewritten. */
  readonly balances: number;
}

/** The cache (Redis), written through the codecs in shared/adapters/redis. */
export interface HotStateStore {
  /** The cache's epoch against the durable generation; a cache found behind loses its epoch here. */
  verifyEpoch(): Promise<EpochVerdict>;
  /** Drops the epoch: every reader fails closed from now until {@link writeEpoch}. */
  dropEpoch(): Promise<void>;
  /**
   * Writes the durable state over the cache without ever relaxing a control the durable
   * state does not know about: an engaged kill switch stays unless its engagement was
   * released, a tripped breaker stays tripped.
   */
  restore(state: DurableState): Promise<RestoreCounts>;
  /** The last step: the cache serves again. */
  writeEpoch(epoch: StateEpoch): Promise<void>;
}
