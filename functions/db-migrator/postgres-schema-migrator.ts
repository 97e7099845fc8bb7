import { migrate } from '../../shared/adapters/postgres/migrate.js';
import { raiseRetentionFloors } from '../../shared/adapters/postgres/retention-floors.js';
import { connectDatabase } from '../../shared/adapters/stores.js';
import { TABLES } from '../../shared/names.js';
import type { MigratorConfig } from './config.js';
import type { SchemaMigrator } from './ports.js';

/**
 * {@link SchemaMigrator} on PostgreSQL: one short-lived pool per run (a custom resource runs
 * rarely, and a pool kept across invocations would hold an RDS Proxy connection for nothing),
 * applying the same migrate() and files `npm start` and the tests use.
 */
export class PostgresSchemaMigrator implements SchemaMigrator {
  constructor(private readonly config: MigratorConfig) {}

  async applyPending() {
    const pool = connectDatabase(this.config, undefined, { connectTimeoutMs: 10_000 });
    try {
      const client = await pool.connect();
      try {
        const result = await migrate(client);
        const { RETENTION_RISK_DECISIONS_DAYS, RETENTION_MARKET_TICKS_DAYS, RETENTION_MARKET_BARS_DAYS } = this.config;
        if (RETENTION_RISK_DECISIONS_DAYS && RETENTION_MARKET_TICKS_DAYS && RETENTION_MARKET_BARS_DAYS) {
          await raiseRetentionFloors(client, {
            [TABLES.riskDecisions]: RETENTION_RISK_DECISIONS_DAYS,
            [TABLES.marketTicks]: RETENTION_MARKET_TICKS_DAYS,
            [TABLES.marketBars]: RETENTION_MARKET_BARS_DAYS,
          });
        }
        return result;
      } finally {
        client.release();
      }
    } finally {
      await pool.end();
    }
  }
}
