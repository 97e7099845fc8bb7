import type pg from 'pg';
import { StateUnavailableError } from '../../../shared/domain/errors.js';
import type { DecisionResponse } from '../../../shared/domain/order.js';
import { type AccountRecord, parseLimits } from '../../../shared/domain/risk/limits.js';
import type { LimitsSource } from '../../../shared/domain/risk/ports.js';
import { TABLES } from '../../../shared/names.js';
import type { DecisionHistory } from '../ports.js';

/** Limits in force per account: the newest version in the account limits table. */
export class PostgresLimitsSource implements LimitsSource {
  constructor(private readonly pool: pg.Pool) {}

  async get(accountId: string): Promise<AccountRecord | null> {
    let rows: { enabled: boolean; version: number | null; limits: unknown }[];
    try {
      ({ rows } = await this.pool.query({
        name: 'risk-limits-get',
        text: `SELECT a.enabled, l.version, l.limits
                 FROM ${TABLES.accounts} a
                 LEFT JOIN LATERAL (
                   SELECT version, limits FROM ${TABLES.accountLimits}
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

/** Recent decisions of an account, newest first, for `GET /v1/risk/decisions`. */
export class PostgresDecisionQuery implements DecisionHistory {
  constructor(private readonly pool: pg.Pool) {}

  /** Resolves when the database answers at all (the health check). */
  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async recent(accountId: string, limit: number): Promise<DecisionResponse[]> {
    try {
      const { rows } = await this.pool.query<{ response: DecisionResponse }>({
        name: 'risk-decisions-recent',
        text: `SELECT response FROM ${TABLES.riskDecisions} WHERE account_id = $1 ORDER BY decided_at DESC LIMIT $2`,
        values: [accountId, limit],
      });
      return rows.map((row) => row.response);
    } catch (error) {
      throw new StateUnavailableError('postgres', { cause: error });
    }
  }
}
