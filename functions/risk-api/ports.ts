import type { DecisionResponse } from '../../shared/domain/order.js';
import type { ExposureSource } from '../../shared/domain/risk/exposure-view.js';
import type { AuditWriter, LimitsSource, RiskStateStore } from '../../shared/domain/risk/ports.js';

/**
 * The secondary ports the risk API is composed from. The Lambda composes them from Redis
 * and PostgreSQL (adapters/store-adapters.ts); local mode with `RISK_STATE=memory`
 * composes in-memory ones (scripts/local/memory-risk-state.ts). The use cases see only these.
 */
export interface RiskApiAdapters {
  readonly state: RiskStateStore;
  /** Limits per account, uncached: the composition root puts the TTL cache in front. */
  readonly limits: LimitsSource;
  /** Written directly when the hot store cannot take a decision's audit record. */
  readonly fallbackAudit: AuditWriter;
  readonly decisions: DecisionHistory;
  /**
   * An account's positions, open orders and marks, for `GET /v1/risk/accounts/{id}/exposure`.
   * Absent on a composition without a book (the route then answers 503).
   */
  readonly exposure?: ExposureSource;
  health(): Promise<HealthReport>;
  close(): Promise<void>;
}

/** Recent decisions of an account, newest first, for `GET /v1/risk/decisions`. */
export interface DecisionHistory {
  recent(accountId: string, limit: number): Promise<DecisionResponse[]>;
}

export interface HealthReport {
  /** False when no decision can be made (the hot store is down). */
  readonly healthy: boolean;
  readonly checks: Record<string, 'ok' | 'down'>;
}
