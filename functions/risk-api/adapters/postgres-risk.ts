import type pg from 'pg';
import { StateUnavailableError } from '../../../shared/domain/errors.js';
import type { DecisionResponse } from '../../../shared/domain/order.js';
import { type AccountRecord, parseLimits } from '../../../shared/domain/risk/limits.js';
import type { AuditWriter, DecisionRecord, LimitsSource } from '../../../shared/domain/risk/ports.js';

/** Limits in force per account: the newest version of `account_limits`. */
export class PostgresLimitsSource implements LimitsSource {
  constructor(private readonly pool: pg.Pool) {}

  async get(accountId: string): Promise<AccountRecord | null> {
    let rows: { enabled: boolean; version: number | null; limits: unknown }[];
    try {
      ({ rows } = await this.pool.query({
        name: 'risk-limits-get',
        text: `SELECT a.enabled, l.version, l.limits
                 FROM accounts a
                 LEFT JOIN LATERAL (
                   SELECT version, limits FROM account_limits
                    WHERE account_id = a.account_id ORDER BY version DESC LIMIT 1) l ON true
                WHERE a.account_id = $1`,
        values: [accountId],
      }));
    } catch (error) {
      throw new StateUnavailableError('postgres', { cause: error });
    }
    const row = rows[0];
    if (!row) return null;
    // An account without limits cannot trade: it is treated as unknown, never as unlimited.
    if (row.version === null) return null;
    return { accountId, enabled: row.enabled, limitsVersion: row.version, limits: parseLimits(row.limits) };
  }
}

const AUDIT_COLUMNS = 13;

/** Inserts decision records into the day-partitioned, append-only `risk_decisions`. */
export class PostgresAuditWriter implements AuditWriter {
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
      `INSERT INTO risk_decisions (decision_id, decided_at, account_id, order_id, symbol, decision, reason_codes,
         limits_version, request_hash, request, inputs, response, latency_us)
       VALUES ${tuples.join(',')}
       ON CONFLICT (decision_id, decided_at) DO NOTHING`,
      values,
    );
  }
}

/** Recent decisions of an account, newest first, for `GET /v1/risk/decisions`. */
export class PostgresDecisionQuery {
  constructor(private readonly pool: pg.Pool) {}

  async recent(accountId: string, limit: number): Promise<DecisionResponse[]> {
    try {
      const { rows } = await this.pool.query<{ response: DecisionResponse }>({
        name: 'risk-decisions-recent',
        text: `SELECT response FROM risk_decisions WHERE account_id = $1 ORDER BY decided_at DESC LIMIT $2`,
        values: [accountId, limit],
      });
      return rows.map((row) => row.response);
    } catch (error) {
      throw new StateUnavailableError('postgres', { cause: error });
    }
  }
}
