import { migrate } from '../../shared/adapters/postgres/migrate.js';
import { connectDatabase } from '../../shared/adapters/stores.js';
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
        return await migrate(client);
      } finally {
        client.release();
      }
    } finally {
      await pool.end();
    }
  }
}
