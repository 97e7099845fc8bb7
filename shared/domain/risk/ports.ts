import type { DecisionResponse } from '../order.js';
import type { ReservationRecord } from './exposure.js';
import type { AccountRecord } from './limits.js';
import type { RiskState } from './state.js';

/**
 * Ports of the risk use case. Adapters implement them for Redis/Postgres (AWS and local)
 * and in memory (local mode with no stores). Every method either answers within its
 * adapter's budget or throws {@link StateUnavailableError}: the use case turns that into a
 * fail-closed REJECT.
 */

/** Limits per account, typically Postgres behind a TTL cache. */
export interface LimitsSource {
  /** The account with its limits in force, or null when the account does not exist. */
  get(accountId: string): Promise<AccountRecord | null>;
}

/** What the store answers for one validation. */
export interface LoadedState {
  readonly state: RiskState;
  /** The decision already stored under this order id, if any. */
  readonly previous: StoredDecision | null;
  /**
   * The version of the account's book the state was read at (informational: the commit
   * verifies the whole state through {@link snapshot}). Absent for a store without a book.
   */
  readonly bookVersion?: number;
  /**
   * Names the exact state the decision is made on (for the Redis store, a digest of every
   * value read). The commit names it back and writes only if the store still holds that
   * state, so a decision is as good as one made inside the atomic step. Absent for a store
   * that does not verify (then nothing is checked).
   */
  readonly snapshot?: string;
  /**
   * True when the state is the store's copy from an earlier request's round trip
   * ({@link RiskStateStore.cached}), not read for this request: a commit that finds it
   * moved is a stale copy, not a concurrent writer.
   */
  readonly cached?: boolean;
}

export interface StoredDecision {
  readonly requestHash: string;
  readonly response: DecisionResponse;
}

export interface LoadQuery {
  readonly accountId: string;
  readonly symbol: string;
  readonly orderId: string;
  readonly nowMs: number;
  /** Throttle window; this validation is counted in it atomically with the read. */
  readonly rateWindowMs: number;
  /** Unique member for the throttle window (the decision id); a re-load with the same member counts once. */
  readonly rateMember: string;
  /** For an amend: the order id it changes, so the state carries its `amendTarget`. */
  readonly amendOf?: string;
  /**
   * The account's throttle (max_orders_per_window). A store deciding from a copy of the state
   * does not know this request's count yet: its commit checks that the count it finds is on
   * the same side of this limit as the count the decision was evaluated with.
   */
  readonly maxOrdersPerWindow?: number;
  /**
   * The account's mark_max_age_ms and reference_max_age_ms, the ages the rules allow. A store
   * deciding from a copy of the state does not require the mark's verification time or the
   * reference's update time unchanged (the ingester re-verifies every 200 ms): its commit
   * checks they are on the same side of `nowMs` minus these ages as in the copy.
   * Absent: those timestamps must be unchanged.
   */
  readonly markMaxAgeMs?: number;
  readonly referenceMaxAgeMs?: number;
}

/** How a decision is committed. */
export interface CommitOptions {
  /** The state the decision was made on (from {@link LoadedState.snapshot}). */
  readonly snapshot?: string;
  /**
   * The load the decision was made for: a store that verifies the state reads the same in
   * its commit, and counts the validation in the throttle there.
   */
  readonly query?: LoadQuery;
  /**
   * The throttle count the decision was evaluated with (its `state.ordersInWindow`): the
   * commit checks the count it finds is on the same side of `query.maxOrdersPerWindow`.
   */
  readonly ordersInWindow?: number;
  /**
   * The id the decision is stored under for idempotent replays. @default the record's
   * order id. An amend stores under its own id: the order id already holds the order's decision.
   */
  readonly idempotencyId?: string;
}

/**
 * The commit wrote nothing: the state the decision was made on is no longer the store's (a
 * concurrent accept, a fill, a new mark...). The store kept what it found, so the next
 * {@link RiskStateStore.cached} answers with it and the decision is re-made without a read.
 */
export interface StateMoved {
  readonly stateMoved: true;
}

export function isStateMoved(result: StoredDecision | StateMoved | null): result is StateMoved {
  return result !== null && 'stateMoved' in result;
}

/** Everything that is persisted about one decision. */
export interface DecisionRecord {
  readonly decisionId: string;
  readonly decidedAt: string;
  readonly accountId: string;
  readonly orderId: string;
  readonly symbol: string;
  readonly decision: 'accept' | 'reject';
  readonly reasonCodes: readonly string[];
  readonly limitsVersion: number | null;
  readonly requestHash: string;
  readonly request: unknown;
  readonly inputs: unknown;
  readonly response: DecisionResponse;
  readonly latencyUs: number;
  /**
   * On an accept: the exposure the order reserves until Kraken acknowledges it (issue #12).
   * The store writes it in the same atomic step as the decision.
   */
  readonly reservation?: ReservationRecord;
}

/** Hot state: marks, breakers, kill switches, positions, counters, idempotency. */
export interface RiskStateStore {
  /** Reads the state for one validation (one round trip) and counts it in the throttle window. */
  load(query: LoadQuery): Promise<LoadedState>;
  /**
   * The state as the store's last round trip for this account and symbol left it, without a
   * read; null when it kept none. A decision made on it costs one round trip (the commit)
   * instead of two; the commit verifies the copy is still exact ({@link StateMoved} if not).
   * Optional: a store without it is always {@link load}ed.
   */
  cached?(query: LoadQuery): LoadedState | null;
  /**
   * Stores the decision under its order id (first writer wins), writes its reservation (an
   * accept) and appends its audit record to the durable spool, in one step, and only when
   * the store still holds the state `options.snapshot` names. Returns the decision that was
   * already there when another request with the same order id won the race,
   * {@link StateMoved} when the state moved (nothing written), else null.
   */
  commit(
    record: DecisionRecord,
    idempotencyTtlMs: number,
    options?: CommitOptions,
  ): Promise<StoredDecision | StateMoved | null>;
  /** Appends an audit record only (a duplicate's rejection). */
  appendAudit(record: DecisionRecord): Promise<void>;
}

/** Last-resort audit writer used when the hot store is down (Postgres directly). */
export interface AuditWriter {
  insert(records: readonly DecisionRecord[]): Promise<void>;
}
