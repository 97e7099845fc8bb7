import { createHash, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { type AccountLimitsInput, parseLimits } from '../../../shared/domain/risk/limits.js';
import { HttpError } from '../../../shared/runtime/http.js';
import type { ControlLog, ControlLogEntry } from '../ports.js';

export class PostgresControlLog implements ControlLog {
  constructor(private readonly pool: pg.Pool) {}

  async append(entry: ControlLogEntry): Promise<void> {
    await this.pool.query(
      `INSERT INTO kill_switch_log (event_id, scope, target, action, reason, actor, details)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        entry.eventId,
        entry.scope,
        entry.target,
        entry.action,
        entry.reason,
        entry.actor,
        JSON.stringify(entry.details ?? {}),
      ],
    );
  }

  async history(limit: number): Promise<(ControlLogEntry & { at: string })[]> {
    const { rows } = await this.pool.query(
      `SELECT event_id, scope, target, action, reason, actor, details, at FROM kill_switch_log ORDER BY at DESC, id DESC LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({
      eventId: r.event_id,
      scope: r.scope,
      target: r.target,
      action: r.action,
      reason: r.reason,
      actor: r.actor,
      details: r.details,
      at: (r.at as Date).toISOString(),
    }));
  }
}

/**
 * Limits administration: read the version in force, propose a change (validated by the
 * same schema the risk API parses with), apply a proposal as a new version. A version is
 * never edited; the risk API picks a new one up within its limits cache TTL.
 */
export class PostgresLimitsAdmin {
  constructor(private readonly pool: pg.Pool) {}

  async current(
    accountId: string,
  ): Promise<{ version: number; limits: unknown; created_by: string; created_at: string } | null> {
    const { rows } = await this.pool.query(
      `SELECT version, limits, created_by, created_at FROM account_limits WHERE account_id = $1 ORDER BY version DESC LIMIT 1`,
      [accountId],
    );
    const row = rows[0];
    return row
      ? {
          version: row.version,
          limits: row.limits,
          created_by: row.created_by,
          created_at: row.created_at.toISOString(),
        }
      : null;
  }

  async propose(accountId: string, limits: AccountLimitsInput, actor: string, reason: string): Promise<string> {
    parseLimits(limits);
    const proposalId = randomUUID();
    const { rowCount } = await this.pool.query(
      `INSERT INTO limits_proposals (proposal_id, account_id, limits, proposed_by, reason)
       SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM accounts WHERE account_id = $2)`,
      [proposalId, accountId, JSON.stringify(limits), actor, reason],
    );
    if (rowCount === 0) throw new HttpError(404, 'NOT_FOUND', `unknown account ${accountId}`);
    return proposalId;
  }

  /** Applies a pending proposal as the next version, in one transaction. */
  async apply(accountId: string, proposalId: string, actor: string): Promise<number> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query(
        `SELECT limits, reason, applied_at FROM limits_proposals WHERE proposal_id = $1 AND account_id = $2 FOR UPDATE`,
        [proposalId, accountId],
      );
      const proposal = rows[0];
      if (!proposal) throw new HttpError(404, 'NOT_FOUND', `no proposal ${proposalId} for ${accountId}`);
      if (proposal.applied_at)
        throw new HttpError(409, 'IDEMPOTENCY_CONFLICT', `proposal ${proposalId} was already applied`);
      const { rows: versionRows } = await client.query(
        `SELECT coalesce(max(version), 0) + 1 AS next FROM account_limits WHERE account_id = $1`,
        [accountId],
      );
      const version = Number(versionRows[0].next);
      await client.query(
        `INSERT INTO account_limits (account_id, version, limits, created_by, reason) VALUES ($1, $2, $3, $4, $5)`,
        [accountId, version, JSON.stringify(proposal.limits), actor, `proposal ${proposalId}: ${proposal.reason}`],
      );
      await client.query(
        `UPDATE limits_proposals SET applied_by = $2, applied_at = now(), applied_version = $3 WHERE proposal_id = $1`,
        [proposalId, actor, version],
      );
      await client.query('COMMIT');
      return version;
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  }

  async recordKeyRotation(accountId: string, actor: string, secretName: string, apiKey: string): Promise<void> {
    // A fingerprint of the public key id only: enough to tell rotations apart, useless to an attacker.
    const fingerprint = createHash('sha256').update(apiKey).digest('hex').slice(0, 16);
    await this.pool.query(
      `INSERT INTO kraken_key_rotations (account_id, rotated_by, secret_name, key_fingerprint) VALUES ($1, $2, $3, $4)`,
      [accountId, actor, secretName, fingerprint],
    );
  }
}
