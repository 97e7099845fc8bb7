import type pg from 'pg';
import {
  type AccountAdminEntry,
  AccountAlreadyExistsError,
  type AccountSummary,
  type NewAccount,
  UnknownKeyAccountError,
} from '../../../shared/domain/accounts/account.js';
import { NotFoundError } from '../../../shared/domain/errors.js';
import type { AccountLimitsInput } from '../../../shared/domain/risk/limits.js';
import { TABLES } from '../../../shared/names.js';
import type { AccountAdministration, PendingProposal } from '../ports.js';

const SUMMARY = `SELECT a.account_id, a.display_name, a.kind, a.enabled, a.created_at,
                       coalesce(a.kraken_key_account, a.account_id) AS kraken_key_account,
                       (SELECT max(version) FROM ${TABLES.accountLimits} l WHERE l.account_id = a.account_id) AS limits_version
                  FROM ${TABLES.accounts} a`;

interface SummaryRow {
  account_id: string;
  display_name: string;
  kind: AccountSummary['kind'];
  enabled: boolean;
  created_at: Date;
  kraken_key_account: string;
  limits_version: number | null;
}

const summaryOf = (row: SummaryRow): AccountSummary => ({
  accountId: row.account_id,
  displayName: row.display_name,
  kind: row.kind,
  enabled: row.enabled,
  krakenKeyAccount: row.kraken_key_account,
  limitsVersion: row.limits_version === null ? null : Number(row.limits_version),
  createdAt: row.created_at.toISOString(),
});

/** PostgreSQL error codes the adapter turns into named errors. */
const UNIQUE_VIOLATION = '23505';
const FOREIGN_KEY_VIOLATION = '23503';

/** Accounts, their audit and their first limits proposal, each change in one transaction. */
export class PostgresAccountAdministration implements AccountAdministration {
  constructor(private readonly pool: pg.Pool) {}

  async create(
    account: NewAccount,
    firstLimits: { limits: AccountLimitsInput; reason: string },
    audit: { eventId: string; actor: string },
  ): Promise<string> {
    // The create's event id doubles as its proposal's id: the audit row and the proposal name each other.
    const proposalId = audit.eventId;
    await this.inTransaction(async (client) => {
      try {
        await client.query(
          `INSERT INTO ${TABLES.accounts} (account_id, display_name, kind, enabled, kraken_key_account)
           VALUES ($1, $2, $3, true, $4)`,
          [
            account.accountId,
            account.displayName,
            account.kind,
            account.krakenKeyAccount === account.accountId ? null : account.krakenKeyAccount,
          ],
        );
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === UNIQUE_VIOLATION) throw new AccountAlreadyExistsError(account.accountId);
        if (code === FOREIGN_KEY_VIOLATION) throw new UnknownKeyAccountError(account.krakenKeyAccount);
        throw error;
      }
      await client.query(
        `INSERT INTO ${TABLES.accountAdminLog} (event_id, account_id, action, actor, reason, details)
         VALUES ($1, $2, 'create', $3, $4, $5)`,
        [
          audit.eventId,
          account.accountId,
          audit.actor,
          firstLimits.reason,
          JSON.stringify({
            display_name: account.displayName,
            kind: account.kind,
            kraken_key_account: account.krakenKeyAccount,
            proposal_id: proposalId,
          }),
        ],
      );
      await client.query(
        `INSERT INTO ${TABLES.limitsProposals} (proposal_id, account_id, limits, proposed_by, reason)
         VALUES ($1, $2, $3, $4, $5)`,
        [proposalId, account.accountId, JSON.stringify(firstLimits.limits), audit.actor, firstLimits.reason],
      );
    });
    return proposalId;
  }

  async list(): Promise<AccountSummary[]> {
    const { rows } = await this.pool.query<SummaryRow>(`${SUMMARY} ORDER BY a.account_id`);
    return rows.map(summaryOf);
  }

  async get(accountId: string): Promise<AccountSummary | null> {
    const { rows } = await this.pool.query<SummaryRow>(`${SUMMARY} WHERE a.account_id = $1`, [accountId]);
    return rows[0] ? summaryOf(rows[0]) : null;
  }

  async pendingProposals(accountId: string): Promise<PendingProposal[]> {
    const { rows } = await this.pool.query<{
      proposal_id: string;
      limits: unknown;
      proposed_by: string;
      reason: string;
      proposed_at: Date;
    }>(
      `SELECT proposal_id, limits, proposed_by, reason, proposed_at FROM ${TABLES.limitsProposals}
        WHERE account_id = $1 AND applied_at IS NULL ORDER BY proposed_at, proposal_id`,
      [accountId],
    );
    return rows.map((r) => ({
      proposalId: r.proposal_id,
      limits: r.limits,
      proposedBy: r.proposed_by,
      reason: r.reason,
      proposedAt: r.proposed_at.toISOString(),
    }));
  }

  async history(accountId: string, limit: number): Promise<AccountAdminEntry[]> {
    const { rows } = await this.pool.query(
      `SELECT event_id, account_id, action, actor, reason, details, at FROM ${TABLES.accountAdminLog}
        WHERE account_id = $1 ORDER BY at DESC, id DESC LIMIT $2`,
      [accountId, limit],
    );
    return rows.map((r) => ({
      eventId: r.event_id,
      accountId: r.account_id,
      action: r.action,
      actor: r.actor,
      reason: r.reason,
      details: r.details,
      at: (r.at as Date).toISOString(),
    }));
  }

  async setEnabled(
    accountId: string,
    enabled: boolean,
    audit: { eventId: string; actor: string; reason: string },
  ): Promise<boolean> {
    return this.inTransaction(async (client) => {
      const { rows } = await client.query<{ enabled: boolean }>(
        `SELECT enabled FROM ${TABLES.accounts} WHERE account_id = $1 FOR UPDATE`,
        [accountId],
      );
      const row = rows[0];
      if (!row) throw new NotFoundError(`unknown account ${accountId}`);
      if (row.enabled === enabled) return false;
      await client.query(`UPDATE ${TABLES.accounts} SET enabled = $2 WHERE account_id = $1`, [accountId, enabled]);
      await client.query(
        `INSERT INTO ${TABLES.accountAdminLog} (event_id, account_id, action, actor, reason) VALUES ($1, $2, $3, $4, $5)`,
        [audit.eventId, accountId, enabled ? 'enable' : 'disable', audit.actor, audit.reason],
      );
      return true;
    });
  }

  private async inTransaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  }
}
