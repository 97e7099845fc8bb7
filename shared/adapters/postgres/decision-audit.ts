import type pg from 'pg';
import type { AuditWriter, DecisionRecord } from '../../domain/risk/ports.js';
import { TABLES } from '../../names.js';

const AUDIT_COLUMNS = 13;

/**
 * Inserts decision records into the day-partitioned, append-only decision audit table. The
 * risk API writes here directly when Redis is down (its audit of last resort); the audit
 * drainer copies the Redis spool here.
 */
export class PostgresDecisionAuditWriter implements AuditWriter {
  constructor(private readonly pool: pg.Pool) {}

  /** Idempotent: a record already present (same decision id and time) is skipped. */
  async insert(records: readonly DecisionRecord[]): Promise<void> {
    if (records.length === 0) return;
    const values: unknown[] = [];
    const tuples = records.map((r, i) => {
      values.push(
        r.decisionId,
        r.decidedAt,
        r.accountId,
        r.orderId,
        r.symbol,
        r.decision,
        r.reasonCodes,
        r.limitsVersion,
        r.requestHash,
        JSON.stringify(r.request ?? null),
        JSON.stringify(r.inputs ?? null),
        JSON.stringify(r.response),
        r.latencyUs,
      );
      const base = i * AUDIT_COLUMNS;
      return `(${Array.from({ length: AUDIT_COLUMNS }, (_, j) => `$${base + j + 1}`).join(',')})`;
    });
    await this.pool.query(
      `INSERT INTO ${TABLES.riskDecisions} (decision_id, decided_at, account_id, order_id, symbol, decision, reason_codes,
         limits_version, request_hash, request, inputs, response, latency_us)
       VALUES ${tuples.join(',')}
       ON CONFLICT (decision_id, decided_at) DO NOTHING`,
      values,
    );
  }
}
