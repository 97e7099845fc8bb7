import type pg from 'pg';
import { TABLES } from '../../../shared/names.js';
import type { AccountDirectory, AccountResult, KillActionLog } from '../ports.js';

/** Enabled trading accounts from `accounts`. */
export class PostgresAccountDirectory implements AccountDirectory {
  constructor(private readonly pool: pg.Pool) {}

  async enabledAccountIds(): Promise<string[]> {
    const { rows } = await this.pool.query<{ account_id: string }>(
      `SELECT account_id FROM ${TABLES.accounts} WHERE enabled ORDER BY account_id`,
    );
    return rows.map((r) => r.account_id);
  }
}

/** The executor's action log in `kill_switch_actions`, keyed by (event_id, account_id, action). */
export class PostgresKillActionLog implements KillActionLog {
  constructor(private readonly pool: pg.Pool) {}

  async cancelled(eventId: string, accountId: string): Promise<boolean> {
    const { rows } = await this.pool.query(
      `SELECT 1 FROM ${TABLES.killSwitchActions}
        WHERE event_id = $1 AND account_id = $2 AND action = 'CancelAll' AND outcome = 'ok'`,
      [eventId, accountId],
    );
    return rows.length > 0;
  }

  async record(eventId: string, result: AccountResult): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${TABLES.killSwitchActions} (event_id, account_id, action, outcome, attempts, detail)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (event_id, account_id, action) DO UPDATE
         SET outcome = EXCLUDED.outcome, attempts = ${TABLES.killSwitchActions}.attempts + EXCLUDED.attempts,
             detail = EXCLUDED.detail, completed_at = now()`,
      [eventId, result.accountId, result.action, result.outcome, result.attempts, JSON.stringify(result.detail)],
    );
  }
}
