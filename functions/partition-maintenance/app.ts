import { connectDatabase } from '../../shared/adapters/stores.js';
import { TABLES } from '../../shared/names.js';
import { PostgresPartitionStore } from './adapters/postgres-partition-store.js';
import type { PartitionMaintenanceConfig } from './config.js';
import { type MaintenanceReport, type MaintenanceSettings, maintainPartitions } from './maintain-partitions.js';

/** The day-partitioned tables (migrations 001 and 002) and each one's retention setting. */
export function maintenanceSettings(config: PartitionMaintenanceConfig): MaintenanceSettings {
  return {
    daysAhead: config.PARTITION_DAYS_AHEAD,
    tables: [
      { table: TABLES.riskDecisions, retentionDays: config.RETENTION_RISK_DECISIONS_DAYS },
      { table: TABLES.marketTicks, retentionDays: config.RETENTION_MARKET_TICKS_DAYS },
      { table: TABLES.marketBars, retentionDays: config.RETENTION_MARKET_BARS_DAYS },
    ],
  };
}

export interface PartitionMaintenanceApp {
  run(): Promise<MaintenanceReport>;
  close(): Promise<void>;
}

/** Composition root: the pool is built once per cold start and connects on first use. */
export function createPartitionMaintenanceApp(
  config: PartitionMaintenanceConfig,
  options: { now?: () => Date } = {},
): PartitionMaintenanceApp {
  const pool = connectDatabase(config);
  const store = new PostgresPartitionStore(pool, { lockTimeoutMs: config.PARTITION_LOCK_TIMEOUT_MS });
  const settings = maintenanceSettings(config);
  const now = options.now ?? (() => new Date());
  return {
    run: () => maintainPartitions({ store, now }, settings),
    close: () => pool.end(),
  };
}
