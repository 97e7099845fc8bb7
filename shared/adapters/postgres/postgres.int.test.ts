import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseUrl } from '../../../test/local-env.js';
import { loadMigrations, MigrationChecksumError, migrate } from './migrate.js';
import { createPostgresPool } from './pool.js';

let pool: pg.Pool;

beforeAll(() => {
  pool = createPostgresPool({ connectionString: databaseUrl(), tls: false });
});

afterAll(async () => {
  await pool.end();
});

describe('Postgres migrations (real PostgreSQL)', () => {
  it('applied every migration file, recorded with its checksum', async () => {
    const files = await loadMigrations();
    const { rows } = await pool.query<{ name: string; checksum: string }>(
      'SELECT name, checksum FROM schema_migrations ORDER BY version',
    );
    expect(rows).toEqual(files.map((m) => ({ name: m.name, checksum: m.checksum })));
  });

  it('is idempotent: a second run applies nothing', async () => {
    const client = await pool.connect();
    try {
      const result = await migrate(client);
      expect(result.applied).toEqual([]);
      expect(result.alreadyApplied).toBeGreaterThan(0);
    } finally {
      client.release();
    }
  });

  it('stores and reads back versioned limits with exact numerics', async () => {
    await pool.query(
      `INSERT INTO accounts (account_id, display_name, kind) VALUES ('it-acct', 'IT', 'strategy')
       ON CONFLICT DO NOTHING`,
    );
    await pool.query(
      `INSERT INTO account_limits (account_id, version, limits, created_by, reason)
       VALUES ('it-acct', 1, '{"loss_cap":"50000.000000000000000001"}', 'test', 'seed')`,
    );
    const { rows } = await pool.query<{ loss_cap: string }>(
      `SELECT limits->>'loss_cap' AS loss_cap FROM account_limits WHERE account_id = 'it-acct' AND version = 1`,
    );
    expect(rows[0]?.loss_cap).toBe('50000.000000000000000001');
  });

  it('keeps the decision audit append-only and day-partitioned', async () => {
    await pool.query(
      `INSERT INTO risk_decisions (decision_id, decided_at, account_id, order_id, symbol, decision, reason_codes,
         request_hash, request, inputs, response)
       VALUES (gen_random_uuid(), now(), 'it-acct', 'o-1', 'BTC/USD', 'accept', '{}', 'h', '{}', '{}', '{}')`,
    );
    const { rows } = await pool.query<{ partition: string }>(
      `SELECT tableoid::regclass::text AS partition FROM risk_decisions WHERE order_id = 'o-1'`,
    );
    const today = new Date().toISOString().slice(0, 10).replaceAll('-', '');
    expect(rows[0]?.partition).toBe(`risk_decisions_p${today}`);
    await expect(pool.query(`UPDATE risk_decisions SET decision = 'reject' WHERE order_id = 'o-1'`)).rejects.toThrow(
      /append-only/,
    );
    await expect(pool.query(`DELETE FROM risk_decisions WHERE order_id = 'o-1'`)).rejects.toThrow(/append-only/);
  });

  it('refuses to run when an applied migration file was edited', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'migrations-'));
    await writeFile(path.join(dir, '900_probe.sql'), 'CREATE TABLE migration_probe (id int);');
    const client = await pool.connect();
    try {
      expect((await migrate(client, dir)).applied).toEqual(['900_probe.sql']);
      await writeFile(path.join(dir, '900_probe.sql'), 'CREATE TABLE migration_probe (id bigint);');
      await expect(migrate(client, dir)).rejects.toThrow(MigrationChecksumError);
    } finally {
      await client.query(`DELETE FROM schema_migrations WHERE version = 900; DROP TABLE IF EXISTS migration_probe`);
      client.release();
    }
  });
});
