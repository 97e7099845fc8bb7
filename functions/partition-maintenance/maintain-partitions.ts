import type { PartitionStore, TableLayout, UtcDay } from './ports.js';
import { addDays, utcDayOf } from './utc-day.js';

/** A day-partitioned table and how long its rows are kept. */
export interface RetainedTable {
  readonly table: string;
  /** Every row younger than this many days is kept; whole days older than that are dropped. */
  readonly retentionDays: number;
}

export interface MaintenanceSettings {
  readonly tables: readonly RetainedTable[];
  /** Days after today that must have a partition when the run ends. */
  readonly daysAhead: number;
}

export interface MaintenanceDeps {
  readonly store: PartitionStore;
  readonly now: () => Date;
}

/** What one run did to one table. */
export interface TableMaintenance {
  readonly table: string;
  readonly outcome: 'maintained' | 'skipped' | 'failed';
  readonly layout: TableLayout | 'unknown';
  readonly partitionsCreated: number;
  readonly partitionsDropped: number;
  /** Rows in the DEFAULT partition when the run started (each one a day that had no partition). */
  readonly rowsFoundInDefault: number;
  /** Rows moved from DEFAULT into their own day's partition. */
  readonly rowsMoved: number;
  /**
   * Rows in DEFAULT dated before the retention window. Left where they are: a timestamp that
   * old is more likely a bug than history, and the audit is never deleted on a guess.
   */
  readonly rowsLeftInDefault: number;
  /** Consecutive days after today with a partition when the run ended (null unless day-partitioned). */
  readonly daysAhead: number | null;
  readonly error?: string;
}

export interface MaintenanceReport {
  readonly today: UtcDay;
  readonly tables: readonly TableMaintenance[];
  readonly partitionsCreated: number;
  readonly partitionsDropped: number;
  readonly rowsFoundInDefault: number;
  /** Fewest days ahead over the day-partitioned tables that were maintained; null when none was. */
  readonly daysAhead: number | null;
  readonly failedTables: readonly string[];
}

/** A run left at least one table unmaintained; the report says which and why. */
export class PartitionMaintenanceFailedError extends Error {
  override readonly name = 'PartitionMaintenanceFailedError';
  constructor(readonly report: MaintenanceReport) {
    super(
      `partition maintenance failed for ${report.failedTables.join(', ')}: ` +
        report.tables
          .filter((t) => t.outcome === 'failed')
          .map((t) => `${t.table}: ${t.error}`)
          .join('; '),
    );
  }
}

/**
 * The daily maintenance of the day-partitioned tables, table by table so one broken table
 * does not leave the others unmaintained:
 * 1. rows already in DEFAULT (a day that had no partition when they arrived) are moved into
 *    their own day's partition, which cannot be created while DEFAULT holds them;
 * 2. partitions from today to `daysAhead` days after are created where missing;
 * 3. daily partitions wholly older than the table's retention are dropped.
 * Running it twice in a row changes nothing the second time.
 */
export async function maintainPartitions(
  deps: MaintenanceDeps,
  settings: MaintenanceSettings,
): Promise<MaintenanceReport> {
  const today = utcDayOf(deps.now());
  const tables: TableMaintenance[] = [];
  for (const retained of settings.tables) {
    tables.push(await maintainTable(deps.store, retained, today, settings.daysAhead));
  }
  const maintainedAhead = tables
    .filter((t) => t.outcome === 'maintained' && t.daysAhead !== null)
    .map((t) => t.daysAhead as number);
  return {
    today,
    tables,
    partitionsCreated: sum(tables.map((t) => t.partitionsCreated)),
    partitionsDropped: sum(tables.map((t) => t.partitionsDropped)),
    rowsFoundInDefault: sum(tables.map((t) => t.rowsFoundInDefault)),
    daysAhead: maintainedAhead.length > 0 ? Math.min(...maintainedAhead) : null,
    failedTables: tables.filter((t) => t.outcome === 'failed').map((t) => t.table),
  };
}

async function maintainTable(
  store: PartitionStore,
  { table, retentionDays }: RetainedTable,
  today: UtcDay,
  daysAhead: number,
): Promise<TableMaintenance> {
  // Days before this one are past retention: every row in them is older than retentionDays.
  const oldestKept = addDays(today, -retentionDays);
  const progress = {
    table,
    layout: 'unknown' as TableLayout | 'unknown',
    partitionsCreated: 0,
    partitionsDropped: 0,
    rowsFoundInDefault: 0,
    rowsMoved: 0,
    rowsLeftInDefault: 0,
    daysAhead: null as number | null,
  };
  try {
    progress.layout = await store.layout(table);
    switch (progress.layout) {
      case 'absent':
        return { ...progress, outcome: 'failed', error: 'table does not exist (are the migrations applied?)' };
      case 'not-partitioned':
        return { ...progress, outcome: 'skipped' };
      case 'hypertable':
        progress.partitionsDropped = await store.dropChunksBefore(table, oldestKept);
        return { ...progress, outcome: 'maintained' };
      case 'daily-partitions':
        break;
    }

    const inDefault = await store.defaultRowsByDay(table);
    progress.rowsFoundInDefault = sum(inDefault.map((d) => d.rows));
    const recoverable = inDefault.filter((d) => d.day >= oldestKept).map((d) => d.day);
    progress.rowsLeftInDefault = sum(inDefault.filter((d) => d.day < oldestKept).map((d) => d.rows));
    if (recoverable.length > 0) {
      const recovery = await store.recoverDefaultRows(table, recoverable.sort());
      progress.partitionsCreated += recovery.partitionsCreated;
      progress.rowsMoved = recovery.rowsMoved;
    }

    const existing = new Set(await store.dailyPartitions(table));
    const wanted = Array.from({ length: daysAhead + 1 }, (_, i) => addDays(today, i));
    const missing = wanted.filter((day) => !existing.has(day));
    if (missing.length > 0) progress.partitionsCreated += await store.createPartitions(table, missing);

    const expired = [...existing].filter((day) => day < oldestKept).sort();
    if (expired.length > 0) progress.partitionsDropped = await store.dropPartitions(table, expired);

    // Measured from the store, not inferred from what this run asked for.
    progress.daysAhead = countDaysAhead(new Set(await store.dailyPartitions(table)), today);
    return { ...progress, outcome: 'maintained' };
  } catch (error) {
    return { ...progress, outcome: 'failed', error: error instanceof Error ? error.message : String(error) };
  }
}

/** Consecutive days after `today` that have a partition: a gap is where rows would fall into DEFAULT. */
function countDaysAhead(days: ReadonlySet<UtcDay>, today: UtcDay): number {
  let ahead = 0;
  while (days.has(addDays(today, ahead + 1))) ahead += 1;
  return ahead;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
