import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateSecretCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseUrl, local } from '../../../test/local-env.js';
import { createSecretsManagerClient } from '../aws-clients.js';
import { SecretReader } from '../secrets.js';
import { secretPasswordProvider } from './auth.js';
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

describe('Postgres time series (migration 002)', () => {
  const today = new Date().toISOString().slice(0, 10).replaceAll('-', '');

  it('partitions ticks and bars by day here (no TimescaleDB), with partitions ahead and a default', async () => {
    const { rows: backend } = await pool.query<{ backend: string; available: boolean }>(
      `SELECT market_timeseries_backend() AS backend,
              EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') AS available`,
    );
    expect(backend[0]).toEqual({ backend: 'partitions', available: false });
    // What the migration promises: a DEFAULT partition and one per day from yesterday to a
    // week ahead. Partition maintenance (run by other tests on the same database) may have
    // created more days ahead; those are its own test's business.
    const { rows } = await pool.query<{ parent: string; partition: string }>(
      `SELECT p.relname AS parent, c.relname AS partition
         FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
        WHERE p.relname IN ('market_ticks', 'market_bars')`,
    );
    const dayName = (offset: number) =>
      new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
    for (const parent of ['market_bars', 'market_ticks']) {
      const partitions = new Set(rows.filter((r) => r.parent === parent).map((r) => r.partition));
      expect(partitions.has(`${parent}_default`), `${parent} default`).toBe(true);
      for (let offset = -1; offset <= 7; offset++) {
        expect(partitions.has(`${parent}_p${dayName(offset)}`), `${parent} day ${offset}`).toBe(true);
      }
    }
  });

  it('routes a tick to its day and ignores the same event replayed from the stream', async () => {
    const insert = `INSERT INTO market_ticks (symbol, event_ts, event_id, kind, bid, ask, received_at)
                    VALUES ('BTC/USD', now(), 'kraken:BTC/USD:1', 'top_of_book', '65000.1', '65000.2', now())
                    ON CONFLICT DO NOTHING`;
    await pool.query(insert.replace("now(), 'kraken", "date_trunc('second', now()), 'kraken"));
    const replay = await pool.query(insert.replace("now(), 'kraken", "date_trunc('second', now()), 'kraken"));
    expect(replay.rowCount).toBe(0);
    const { rows } = await pool.query<{ partition: string; ask: string }>(
      `SELECT tableoid::regclass::text AS partition, ask::text FROM market_ticks WHERE event_id = 'kraken:BTC/USD:1'`,
    );
    expect(rows).toEqual([{ partition: `market_ticks_p${today}`, ask: '65000.2' }]);
  });

  it('keeps a bar from a day outside the pre-created range in the default partition', async () => {
    await pool.query(
      `INSERT INTO market_bars (symbol, bar_interval, bucket_start, open, high, low, close)
       VALUES ('ETH/USD', '1 minute', '2020-01-01T00:00:00Z', 1, 2, 0.5, 1.5)`,
    );
    const { rows } = await pool.query<{ partition: string }>(
      `SELECT tableoid::regclass::text AS partition FROM market_bars WHERE symbol = 'ETH/USD'`,
    );
    expect(rows[0]?.partition).toBe('market_bars_default');
    expect(
      (await pool.query<{ n: number }>(`SELECT ensure_market_partitions((now() AT TIME ZONE 'UTC')::date - 1, 9) AS n`))
        .rows[0]?.n,
    ).toBe(0);
  });
});

describe('Postgres adapter credentials (Secrets Manager emulator)', () => {
  it('connects with the password from a Secrets Manager secret of the RDS rotation shape', async () => {
    const client = createSecretsManagerClient();
    const name = `it/postgres/${Date.now()}`;
    await client.send(
      new CreateSecretCommand({
        Name: name,
        SecretString: JSON.stringify({ username: local.dbUser, password: 'stale' }),
      }),
    );
    await client.send(
      new PutSecretValueCommand({
        SecretId: name,
        SecretString: JSON.stringify({ username: local.dbUser, password: local.dbPassword }),
      }),
    );
    const password = secretPasswordProvider(new SecretReader(60), name);
    // The newest version wins: what a function sees after a rotation (once its cache expires).
    expect(await password()).toBe(local.dbPassword);
    // The local server may trust 127.0.0.1 without asking for a password; the pool at
    // least proves the source plugs into pg and the connection works.
    const fromSecret = createPostgresPool({
      host: local.pgHost,
      port: local.pgPort,
      database: local.testDbName,
      user: local.dbUser,
      password,
      tls: false,
    });
    try {
      const { rows } = await fromSecret.query<{ who: string }>('SELECT current_user AS who');
      expect(rows[0]?.who).toBe(local.dbUser);
    } finally {
      await fromSecret.end();
    }
  });
});
