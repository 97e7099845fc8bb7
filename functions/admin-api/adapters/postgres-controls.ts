import { createHash, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { ProposalAlreadyAppliedError, SecondApproverRequiredError } from '../../../shared/domain/controls/errors.js';
import { NotFoundError } from '../../../shared/domain/errors.js';
import type { AccountLimitsInput } from '../../../shared/domain/risk/limits.js';
import { TABLES } from '../../../shared/names.js';
import type { ControlLog, ControlLogEntry, KeyRotationLog, LimitsAdministration, LimitsVersion } from '../ports.js';

export class PostgresControlLog implements ControlLog {
  constructor(private readonly pool: pg.Pool) {}

  async append(entry: ControlLogEntry): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${TABLES.killSwitchLog} (event_id, scope, target, action, reason, actor, details)
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
      `SELECT event_id, scope, target, action, reason, actor, details, at FROM ${TABLES.killSwitchLog} ORDER BY at DESC, id DESC LIMIT $1`,
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
 * Limits administration: read the version in force, store a proposal (validated at the
 * edge by the schema the risk API parses with), apply a proposal as a new version. A
 * version is never edited; the risk API picks a new one up within its limits cache TTL.
 */
export class PostgresLimitsAdmin implements LimitsAdministration {
  constructor(private readonly pool: pg.Pool) {}

  async current(accountId: string): Promise<LimitsVersion | null> {
    const { rows } = await this.pool.query(
      `SELECT version, limits, created_by, created_at FROM ${TABLES.accountLimits} WHERE account_id = $1 ORDER BY version DESC LIMIT 1`,
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
    const proposalId = randomUUID();
    const { rowCount } = await this.pool.query(
      `INSERT INTO ${TABLES.limitsProposals} (proposal_id, account_id, limits, proposed_by, reason)
       SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM ${TABLES.accounts} WHERE account_id = $2)`,
      [proposalId, accountId, JSON.stringify(limits), actor, reason],
    );
    if (rowCount === 0) throw new NotFoundError(`unknown account ${accountId}`);
    return proposalId;
  }

  /** Applies a pending proposal as the next version, in one transaction. */
  async apply(accountId: string, proposalId: string, actor: string): Promise<number> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query(
        `SELECT limits, reason, proposed_by, applied_at FROM ${TABLES.limitsProposals} WHERE proposal_id = $1 AND account_id = $2 FOR UPDATE`,
        [proposalId, accountId],
      );
      const proposal = rows[0];
      if (!proposal) throw new NotFoundError(`no proposal ${proposalId} for ${accountId}`);
      if (proposal.applied_at) throw new ProposalAlreadyAppliedError(proposalId);
      // Two people for every limits change, the first limits of a new account included.
      if (proposal.proposed_by === actor) throw new SecondApproverRequiredError(actor, [actor]);
      const { rows: versionRows } = await client.query(
        `SELECT coalesce(max(version), 0) + 1 AS next FROM ${TABLES.accountLimits} WHERE account_id = $1`,
        [accountId],
      );
      const version = Number(versionRows[0].next);
      await client.query(
        `INSERT INTO ${TABLES.accountLimits} (account_id, version, limits, created_by, reason) VALUES ($1, $2, $3, $4, $5)`,
        [accountId, version, JSON.stringify(proposal.limits), actor, `proposal ${proposalId}: ${proposal.reason}`],
      );
      await client.query(
        `UPDATE ${TABLES.limitsProposals} SET applied_by = $2, applied_at = now(), applied_version = $3 WHERE proposal_id = $1`,
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
}

/** Kraken key rotations in `kraken_key_rotations`. */
export class PostgresKeyRotationLog implements KeyRotationLog {
  constructor(private readonly pool: pg.Pool) {}

  async record(accountId: string, actor: string, secretName: string, apiKey: string): Promise<void> {
    // A fingerprint of the public key id only: enough to tell rotations apart, useless to an attacker.
    const fingerprint = createHash('sha256').update(apiKey).digest('hex').slice(0, 16);
    await this.pool.query(
      `INSERT INTO ${TABLES.krakenKeyRotations} (account_id, rotated_by, secret_name, key_fingerprint) VALUES ($1, $2, $3, $4)`,
      [accountId, actor, secretName, fingerprint],
    );
  }
}
