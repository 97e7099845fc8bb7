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
   * The version of the account's book the state was read at. The commit names it: when the
   * book moved in between, the decision is re-made from a fresh load. Absent for a store
   * without a versioned book (then nothing is checked).
   */
  readonly bookVersion?: number;
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
}

/** How a decision is committed. */
export interface CommitOptions {
  /** The book version the decision was made on (from {@link LoadedState.bookVersion}). */
  readonly bookVersion?: number;
  /**
   * The id the decision is stored under for idempotent replays. @default the record's
   * order id. An amend stores under its own id: the order id already holds the order's decision.
   */
  readonly idempotencyId?: string;
}

/** The commit wrote nothing: the account's book changed since the load. */
export interface BookMoved {
  readonly bookMoved: true;
  readonly currentVersion: number;
}

export function isBookMoved(result: StoredDecision | BookMoved | null): result is BookMoved {
  return result !== null && 'bookMoved' in result;
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
  load(query: LoadQuery): Promise<LoadedState>;
  /**
   * Stores the decision under its order id (first writer wins), writes its reservation (an
   * accept) and appends its audit record to the durable spool, in one step. Returns the
   * decision that was already there when another request with the same order id won the
   * race, {@link BookMoved} when `options.bookVersion` is no longer the book's (nothing
   * written), else null.
   */
  commit(
    record: DecisionRecord,
    idempotencyTtlMs: number,
    options?: CommitOptions,
  ): Promise<StoredDecision | BookMoved | null>;
  /** Appends an audit record only (a duplicate's rejection). */
  appendAudit(record: DecisionRecord): Promise<void>;
}

/** Last-resort audit writer used when the hot store is down (Postgres directly). */
export interface AuditWriter {
  insert(records: readonly DecisionRecord[]): Promise<void>;
}
