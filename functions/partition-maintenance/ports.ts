/** A UTC calendar day, `YYYY-MM-DD`: the unit every partition of the audit and time series covers. */
export type UtcDay = string;

/**
 * How a table is stored, which decides what maintenance applies to it.
 * - `daily-partitions`: range-partitioned by a timestamptz column, one partition per UTC day
 *   plus a DEFAULT partition (migrations 001 and 002);
 * - `hypertable`: TimescaleDB creates its own chunks; only retention applies;
 * - `not-partitioned`: not range-partitioned by one column (a plain table): nothing to maintain;
 * - `absent`: the table does not exist (migrations not applied).
 */
export type TableLayout = 'daily-partitions' | 'hypertable' | 'not-partitioned' | 'absent';

/** Rows of one UTC day that sit in a table's DEFAULT partition. */
export interface DefaultPartitionDay {
  readonly day: UtcDay;
  readonly rows: number;
}

/** What moving DEFAULT rows into their own day partitions did. */
export interface DefaultRowsRecovery {
  readonly partitionsCreated: number;
  readonly rowsMoved: number;
}

/** The partitions of the day-partitioned tables (PostgreSQL in every stage; in memory in tests). */
export interface PartitionStore {
  layout(table: string): Promise<TableLayout>;
  /** Days that have a daily partition of the table, in any order. */
  dailyPartitions(table: string): Promise<UtcDay[]>;
  /** Rows of the DEFAULT partition grouped by their UTC day. */
  defaultRowsByDay(table: string): Promise<DefaultPartitionDay[]>;
  /** Creates the missing daily partitions of `days`; returns how many it created. */
  createPartitions(table: string, days: readonly UtcDay[]): Promise<number>;
  /**
   * Creates the partitions of `days` and moves those days' rows out of DEFAULT into them, in
   * one transaction: either every row of those days is in its own partition afterwards, or
   * nothing changed.
   */
  recoverDefaultRows(table: string, days: readonly UtcDay[]): Promise<DefaultRowsRecovery>;
  /** Drops the daily partitions of `days` (never the DEFAULT partition); returns how many it dropped. */
  dropPartitions(table: string, days: readonly UtcDay[]): Promise<number>;
  /** Hypertables: drops chunks holding only rows before `day`; returns how many it dropped. */
  dropChunksBefore(table: string, day: UtcDay): Promise<number>;
}
