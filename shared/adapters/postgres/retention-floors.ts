import type pg from 'pg';
import { TABLES } from '../../names.js';

/** A stage's retention per maintained table, in days (the partition-maintenance job's settings). */
export interface RetentionFloors {
  readonly [TABLES.riskDecisions]: number;
  readonly [TABLES.marketTicks]: number;
  readonly [TABLES.marketBars]: number;
}

/**
 * Raises each table's floor in `partition_retention_floors` (migration 011) to the stage's
 * retention, never lowers it: the migrator's `maintenance_drop_partition` then refuses, even
 * to a misused partition-maintenance role, any day the stage promises to keep (seven years of
 * audit in prod). Lowering a floor is a deliberate migration. Returns the floors in force.
 */
export async function raiseRetentionFloors(
  client: pg.ClientBase,
  retention: RetentionFloors,
): Promise<Record<string, number>> {
  const tables = Object.keys(retention);
  const { rows } = await client.query<{ table_name: string; min_days: number }>(
    `UPDATE partition_retention_floors f SET min_days = GREATEST(f.min_days, r.days)
       FROM unnest($1::text[], $2::int[]) AS r (table_name, days)
      WHERE f.table_name = r.table_name
      RETURNING f.table_name, f.min_days`,
    [tables, tables.map((table) => retention[table as keyof RetentionFloors])],
  );
  if (rows.length !== tables.length) {
    throw new Error(`partition_retention_floors lacks a row for one of ${tables.join(', ')}`);
  }
  return Object.fromEntries(rows.map((r) => [r.table_name, r.min_days]));
}
