import type { DecisionRecord } from '../../shared/domain/risk/ports.js';

/**
 * Ports of the audit drainer. The Redis spool (shared/adapters/redis/audit-spool.ts) and
 * the Postgres decision audit table (shared/adapters/postgres/decision-audit.ts) implement
 * them in AWS and locally; tests use small in-memory fakes.
 */

/** One spool entry: its decision record, or null when the entry cannot be read back. */
export interface SpoolEntry {
  readonly id: string;
  readonly record: DecisionRecord | null;
}

/** The durable spool the risk API appends every decision's audit record to. */
export interface AuditSpoolReader<E extends SpoolEntry = SpoolEntry> {
  /** The oldest `count` entries, oldest first. */
  read(count: number): Promise<readonly E[]>;
  /** Keeps unreadable entries, whole, in the dead-letter stream for a person. */
  park(entries: readonly E[]): Promise<void>;
  /** Deletes entries from the spool (after their records are safe elsewhere). */
  remove(ids: readonly string[]): Promise<void>;
  length(): Promise<number>;
  deadLength(): Promise<number>;
}

/** The audit table. Inserting a record already present must change nothing. */
export interface AuditTableWriter {
  insert(records: readonly DecisionRecord[]): Promise<void>;
}

export interface DrainAuditSpoolPorts<E extends SpoolEntry = SpoolEntry> {
  readonly spool: AuditSpoolReader<E>;
  readonly table: AuditTableWriter;
}
