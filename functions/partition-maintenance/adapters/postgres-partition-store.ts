import type pg from 'pg';
import type { DefaultPartitionDay, DefaultRowsRecovery, PartitionStore, TableLayout, UtcDay } from '../ports.js';
import { addDays } from '../utc-day.js';

export interface PostgresPartitionStoreOptions {
  /**
   * How long a step waits for its table lock. Creating, attaching and dropping a partition
   * take ACCESS EXCLUSIVE on the parent, and every writer queues behind a waiting request:
   * giving up (and retrying tomorrow) beats stalling the audit drainer and the evaluator.
   */
  readonly lockTimeoutMs: number;
}

/** `FOR VALUES FROM ('2030-01-01 00:00:00+00') TO ('2030-01-02 00:00:00+00')`, printed with TimeZone=UTC. */
const DAILY_BOUND =
  /^FOR VALUES FROM \('(\d{4}-\d{2}-\d{2}) 00:00:00\+00'\) TO \('(\d{4}-\d{2}-\d{2}) 00:00:00\+00'\)$/;

/**
 * The partitions of the day-partitioned tables in PostgreSQL. Partitions are created by
 * `ensure_daily_partitions` (migration 001), the same function the migrations use, so a
 * partition has one name and one range whoever made it: `<table>_pYYYYMMDD` covering one
 * UTC day. Only partitions of exactly that name and range are ever dropped.
 *
 * The job's database role owns nothing (migration 011): every change goes through the
 * migrator's SECURITY DEFINER `maintenance_*` functions, which touch only the maintained
 * tables and refuse to drop a partition younger than the table's floor in the database.
 */
export class PostgresPartitionStore implements PartitionStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly options: PostgresPartitionStoreOptions,
  ) {}

  async layout(table: string): Promise<TableLayout> {
    const { rows } = await this.pool.query<{
      present: boolean;
      strategy: string | null;
      keys: number | null;
      timescale: boolean;
    }>(
      `SELECT to_regclass($1) IS NOT NULL AS present, pt.partstrat AS strategy, pt.partnatts AS keys,
              EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') AS timescale
         FROM (SELECT to_regclass($1) AS oid) t
         LEFT JOIN pg_partitioned_table pt ON pt.partrelid = t.oid`,
      [table],
    );
    const row = rows[0];
    if (!row?.present) return 'absent';
    if (row.strategy === 'r' && row.keys === 1) return 'daily-partitions';
    if (row.timescale) {
      // The view exists only with the extension, hence the separate query.
      const hyper = await this.pool.query(
        'SELECT 1 FROM timescaledb_information.hypertables WHERE hypertable_name = $1',
        [table],
      );
      if ((hyper.rowCount ?? 0) > 0) return 'hypertable';
    }
    return 'not-partitioned';
  }

  async dailyPartitions(table: string): Promise<UtcDay[]> {
    return this.inTransaction(table, async (client) => [...(await listDailyPartitions(client, table)).keys()]);
  }

  async defaultRowsByDay(table: string): Promise<DefaultPartitionDay[]> {
    const { rows } = await this.pool.query<{ day: string; rows: string }>(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, row_count AS rows
         FROM maintenance_default_rows_by_day($1::regclass) ORDER BY 1`,
      [table],
    );
    return rows.map((r) => ({ day: r.day, rows: Number(r.rows) }));
  }

  async createPartitions(table: string, days: readonly UtcDay[]): Promise<number> {
    return this.inTransaction(table, async (client) => ensureDays(client, table, days));
  }

  async recoverDefaultRows(table: string, days: readonly UtcDay[]): Promise<DefaultRowsRecovery> {
    // DEFAULT steps out, the days' partitions are made, the rows move, DEFAULT comes back
    // with its append-only trigger (migration 011's function), all in this transaction: a
    // failure leaves the table exactly as it was.
    return this.inTransaction(table, async (client) => {
      const { rows } = await client.query<{ partitions_created: number; rows_moved: string }>(
        'SELECT partitions_created, rows_moved FROM maintenance_recover_default_rows($1::regclass, $2::date[])',
        [table, days],
      );
      return { partitionsCreated: rows[0]?.partitions_created ?? 0, rowsMoved: Number(rows[0]?.rows_moved ?? 0) };
    });
  }

  async dropPartitions(table: string, days: readonly UtcDay[]): Promise<number> {
    return this.inTransaction(table, async (client) => {
      const partitions = await listDailyPartitions(client, table);
      let dropped = 0;
      for (const day of days) {
        const name = partitions.get(day);
        if (!name) continue;
        const { rows } = await client.query<{ dropped: boolean }>(
          'SELECT maintenance_drop_partition($1::regclass, $2::date) AS dropped',
          [table, day],
        );
        if (rows[0]?.dropped) dropped += 1;
      }
      return dropped;
    });
  }

  async dropChunksBefore(table: string, day: UtcDay): Promise<number> {
    // Not exercised here (no TimescaleDB on these machines, nor on Aurora); the call is the
    // extension's documented retention primitive.
    const { rows } = await this.pool.query<{ dropped: number }>(
      'SELECT maintenance_drop_chunks_before($1::regclass, $2::date) AS dropped',
      [table, day],
    );
    return rows[0]?.dropped ?? 0;
  }

  /**
   * One transaction per step, serialised per table across overlapping runs (an EventBridge
   * retry while a slow run still holds its locks), with the lock wait bounded and bounds
   * printed in UTC.
   */
  private async inTransaction<T>(table: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(
        "SELECT set_config('lock_timeout', $1, true), set_config('TimeZone', 'UTC', true), pg_advisory_xact_lock(hashtext($2))",
        [`${this.options.lockTimeoutMs}ms`, `partition-maintenance:${table}`],
      );
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}

/** Day -> partition name, for partitions named and bounded as `ensure_daily_partitions` makes them. */
async function listDailyPartitions(client: pg.PoolClient, table: string): Promise<Map<UtcDay, string>> {
  const { rows } = await client.query<{ name: string; bound: string }>(
    `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = to_regclass($1)`,
    [table],
  );
  const days = new Map<UtcDay, string>();
  for (const { name, bound } of rows) {
    const match = DAILY_BOUND.exec(bound);
    const from = match?.[1];
    if (!from || match[2] !== addDays(from, 1)) continue;
    if (name !== `${table}_p${from.replaceAll('-', '')}`) continue;
    days.set(from, name);
  }
  return days;
}

async function ensureDays(client: pg.PoolClient, table: string, days: readonly UtcDay[]): Promise<number> {
  let created = 0;
  for (const day of days) {
    const { rows } = await client.query<{ created: number }>(
      'SELECT maintenance_create_partitions($1::regclass, $2::date, 1) AS created',
      [table, day],
    );
    created += rows[0]?.created ?? 0;
  }
  return created;
}
