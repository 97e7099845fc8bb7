import type pg from 'pg';
import { ProposalAlreadyAppliedError } from '../../../shared/domain/controls/errors.js';
import { NotFoundError } from '../../../shared/domain/errors.js';
import type { ChangeKind } from '../../../shared/domain/limits/proposals.js';
import type { RecordedDecision } from '../../../shared/domain/limits/what-if.js';
import { TABLES } from '../../../shared/names.js';
import type {
  ChangeLog,
  ChangeLogEntry,
  ChangeStore,
  NewProposal,
  RecordedDecisionSource,
  StoredProposal,
} from '../limit-changes.js';

/**
 * The decision audit as the what-if reads it: one account, one time range, bounded rows, on
 * the (account_id, decided_at) index. Reads only.
 */
export class PostgresRecordedDecisions implements RecordedDecisionSource {
  constructor(private readonly pool: pg.Pool) {}

  async inRange(
    accountId: string,
    range: { from: string; to: string },
    limit: number,
    pick: 'oldest' | 'newest',
  ): Promise<RecordedDecision[]> {
    const order = pick === 'oldest' ? 'ASC' : 'DESC';
    const { rows } = await this.pool.query(
      `SELECT decision_id, decided_at, order_id, symbol, decision, reason_codes, limits_version, request, inputs
         FROM ${TABLES.riskDecisions}
        WHERE account_id = $1 AND decided_at >= $2 AND decided_at < $3
        ORDER BY decided_at ${order}, decision_id ${order}
        LIMIT $4`,
      [accountId, range.from, range.to, limit],
    );
    const decisions = rows.map(
      (r): RecordedDecision => ({
        decisionId: r.decision_id,
        decidedAt: (r.decided_at as Date).toISOString(),
        orderId: r.order_id,
        symbol: r.symbol,
        decision: r.decision,
        reasonCodes: r.reason_codes,
        limitsVersion: r.limits_version,
        request: r.request,
        inputs: r.inputs,
      }),
    );
    return pick === 'oldest' ? decisions : decisions.reverse();
  }

  async limitsVersions(accountId: string): Promise<Map<number, unknown>> {
    const { rows } = await this.pool.query(
      `SELECT version, limits FROM ${TABLES.accountLimits} WHERE account_id = $1`,
      [accountId],
    );
    return new Map(rows.map((r) => [r.version as number, r.limits as unknown]));
  }
}

/** The append-only `change_proposal_log`. */
export class PostgresChangeLog implements ChangeLog {
  constructor(private readonly pool: pg.Pool) {}

  append(entry: ChangeLogEntry): Promise<void> {
    return insertLog(this.pool, entry);
  }

  async entries(proposalId: string): Promise<ChangeLogEntry[]> {
    const { rows } = await this.pool.query(
      `SELECT event_id, proposal_id, kind, subject, action, actor, details, at
         FROM ${TABLES.changeProposalLog} WHERE proposal_id = $1 ORDER BY id`,
      [proposalId],
    );
    return rows.map((r) => ({
      eventId: r.event_id,
      proposalId: r.proposal_id,
      kind: r.kind,
      subject: r.subject,
      action: r.action,
      actor: r.actor,
      details: r.details,
      atMs: (r.at as Date).getTime(),
    }));
  }
}

async function insertLog(db: pg.Pool | pg.PoolClient, entry: ChangeLogEntry): Promise<void> {
  await db.query(
    `INSERT INTO ${TABLES.changeProposalLog} (event_id, proposal_id, kind, subject, action, actor, details, at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      entry.eventId,
      entry.proposalId,
      entry.kind,
      entry.subject,
      entry.action,
      entry.actor,
      JSON.stringify(entry.details),
      new Date(entry.atMs),
    ],
  );
}

/** What differs between the two kinds: their tables and columns. */
interface KindTables {
  readonly kind: ChangeKind;
  readonly proposals: string;
  readonly versions: string;
  /** Column naming the subject in both tables. */
  readonly subject: string;
  /** Column of the figures in both tables. */
  readonly figures: string;
}

/**
 * Proposals of one kind and the versions they become. Every write is one transaction with
 * its log row; the apply locks the proposal row, so two approvers racing apply it once.
 */
abstract class PostgresChangeStore implements ChangeStore {
  constructor(
    protected readonly pool: pg.Pool,
    private readonly t: KindTables,
  ) {}

  async currentVersion(subject: string): Promise<number> {
    const { rows } = await this.pool.query(
      `SELECT coalesce(max(version), 0) AS version FROM ${this.t.versions} WHERE ${this.t.subject} = $1`,
      [subject],
    );
    return Number(rows[0].version);
  }

  async insert(p: NewProposal, log: readonly ChangeLogEntry[]): Promise<void> {
    const whatIf = this.t.kind === 'limits' && p.whatIf !== undefined;
    await this.transaction(async (client) => {
      await client.query(
        `INSERT INTO ${this.t.proposals}
           (proposal_id, ${this.t.subject}, ${this.t.figures}, proposed_by, reason, proposed_at, base_version${whatIf ? ', what_if, what_if_at' : ''})
         VALUES ($1, $2, $3, $4, $5, $6, $7${whatIf ? ', $8, $6' : ''})`,
        [
          p.proposalId,
          p.subject,
          JSON.stringify(p.proposed),
          p.actor,
          p.reason,
          new Date(p.proposedAtMs),
          p.baseVersion,
          ...(whatIf ? [JSON.stringify(p.whatIf)] : []),
        ],
      );
      for (const entry of log) await insertLog(client, entry);
    });
  }

  async get(subject: string | null, proposalId: string): Promise<StoredProposal | null> {
    const { rows } = await this.pool.query(
      `SELECT ${this.columns()} FROM ${this.t.proposals}
        WHERE proposal_id = $1 AND ($2::text IS NULL OR ${this.t.subject} = $2)`,
      [proposalId, subject],
    );
    return rows[0] ? this.fromRow(rows[0]) : null;
  }

  async list(subject: string | null, limit: number): Promise<StoredProposal[]> {
    const { rows } = await this.pool.query(
      `SELECT ${this.columns()} FROM ${this.t.proposals}
        WHERE ($1::text IS NULL OR ${this.t.subject} = $1) ORDER BY proposed_at DESC LIMIT $2`,
      [subject, limit],
    );
    return rows.map((r) => this.fromRow(r));
  }

  async apply(
    subject: string | null,
    proposalId: string,
    actor: string,
    atMs: number,
    check: (proposal: StoredProposal, currentVersion: number) => void,
    log: Omit<ChangeLogEntry, 'details' | 'subject'>,
  ): Promise<number> {
    return this.transaction(async (client) => {
      const { rows } = await client.query(
        `SELECT ${this.columns()} FROM ${this.t.proposals}
          WHERE proposal_id = $1 AND ($2::text IS NULL OR ${this.t.subject} = $2) FOR UPDATE`,
        [proposalId, subject],
      );
      if (!rows[0]) throw new NotFoundError(`no proposal ${proposalId}${subject ? ` for ${subject}` : ''}`);
      const proposal = this.fromRow(rows[0]);
      const { rows: current } = await client.query(
        `SELECT coalesce(max(version), 0) AS version FROM ${this.t.versions} WHERE ${this.t.subject} = $1`,
        [proposal.subject],
      );
      const currentVersion = Number(current[0].version);
      check(proposal, currentVersion);
      const version = currentVersion + 1;
      await client.query(
        `INSERT INTO ${this.t.versions} (${this.t.subject}, version, ${this.t.figures}, created_by, reason)
         VALUES ($1, $2, $3, $4, $5)`,
        [
          proposal.subject,
          version,
          JSON.stringify(proposal.proposed),
          actor,
          `proposal ${proposalId}: ${proposal.reason}`,
        ],
      );
      await client.query(
        `UPDATE ${this.t.proposals} SET applied_by = $2, applied_at = $3, applied_version = $4 WHERE proposal_id = $1`,
        [proposalId, actor, new Date(atMs), version],
      );
      await insertLog(client, {
        ...log,
        subject: proposal.subject,
        details: { version, previous_version: currentVersion, proposed_by: proposal.proposedBy },
      });
      return version;
    });
  }

  protected columns(): string {
    return `proposal_id, ${this.t.subject} AS subject, ${this.t.figures} AS proposed, proposed_by, reason, proposed_at,
            applied_by, applied_at, applied_version, base_version, ${this.whatIfColumn()} AS what_if`;
  }

  protected abstract whatIfColumn(): string;

  private fromRow(r: Record<string, unknown>): StoredProposal {
    return {
      kind: this.t.kind,
      proposalId: r.proposal_id as string,
      subject: r.subject as string,
      proposed: r.proposed,
      reason: r.reason as string,
      proposedBy: r.proposed_by as string,
      proposedAtMs: (r.proposed_at as Date).getTime(),
      appliedAtMs: r.applied_at ? (r.applied_at as Date).getTime() : null,
      appliedBy: (r.applied_by as string | null) ?? null,
      appliedVersion: (r.applied_version as number | null) ?? null,
      baseVersion: (r.base_version as number | null) ?? null,
      hasWhatIf: r.what_if !== null && r.what_if !== undefined,
      whatIf: r.what_if ?? null,
    };
  }

  protected async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
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

/** Limits proposals (`limits_proposals`) becoming `account_limits` versions. */
export class PostgresLimitsChangeStore extends PostgresChangeStore {
  constructor(pool: pg.Pool) {
    super(pool, {
      kind: 'limits',
      proposals: TABLES.limitsProposals,
      versions: TABLES.accountLimits,
      subject: 'account_id',
      figures: 'limits',
    });
  }

  /** NotFoundError for an unknown account (a proposal for nobody is refused, not stored). */
  override async currentVersion(accountId: string): Promise<number> {
    const { rows } = await this.pool.query(
      `SELECT (SELECT coalesce(max(version), 0) FROM ${TABLES.accountLimits} WHERE account_id = $1) AS version,
              EXISTS (SELECT 1 FROM ${TABLES.accounts} WHERE account_id = $1) AS known`,
      [accountId],
    );
    if (!rows[0].known) throw new NotFoundError(`unknown account ${accountId}`);
    return Number(rows[0].version);
  }

  async attachWhatIf(accountId: string, proposalId: string, whatIf: unknown, log: ChangeLogEntry): Promise<void> {
    await this.transaction(async (client) => {
      const { rows } = await client.query(
        `SELECT applied_at FROM ${TABLES.limitsProposals} WHERE proposal_id = $1 AND account_id = $2 FOR UPDATE`,
        [proposalId, accountId],
      );
      if (!rows[0]) throw new NotFoundError(`no proposal ${proposalId} for ${accountId}`);
      if (rows[0].applied_at) throw new ProposalAlreadyAppliedError(proposalId);
      await client.query(`UPDATE ${TABLES.limitsProposals} SET what_if = $2, what_if_at = $3 WHERE proposal_id = $1`, [
        proposalId,
        JSON.stringify(whatIf),
        new Date(log.atMs),
      ]);
      await insertLog(client, log);
    });
  }

  protected whatIfColumn(): string {
    return 'what_if';
  }
}

/** Breaker threshold proposals (`breaker_config_proposals`) becoming `breaker_config` versions. */
export class PostgresBreakerConfigChangeStore extends PostgresChangeStore {
  constructor(pool: pg.Pool) {
    super(pool, {
      kind: 'breaker_config',
      proposals: TABLES.breakerConfigProposals,
      versions: TABLES.breakerConfig,
      subject: 'symbol',
      figures: 'config',
    });
  }

  /** The breaker configs in force: the newest version per symbol (`*` is the default row). */
  async inForce(): Promise<
    { symbol: string; version: number; config: unknown; created_by: string; created_at: string }[]
  > {
    const { rows } = await this.pool.query(
      `SELECT DISTINCT ON (symbol) symbol, version, config, created_by, created_at
         FROM ${TABLES.breakerConfig} ORDER BY symbol, version DESC`,
    );
    return rows.map((r) => ({
      symbol: r.symbol,
      version: r.version,
      config: r.config,
      created_by: r.created_by,
      created_at: (r.created_at as Date).toISOString(),
    }));
  }

  protected whatIfColumn(): string {
    return 'NULL::jsonb';
  }
}
