import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations } from '../../shared/adapters/postgres/migrate.js';
import { TABLES } from '../../shared/names.js';
import { databaseUrl } from '../../test/local-env.js';
import { respondToCloudFormation } from './cloudformation-response.js';
import { migratorConfigSchema } from './config.js';
import { onMigrationEvent, SCHEMA_RESOURCE_ID } from './migrator.js';
import { PostgresSchemaMigrator } from './postgres-schema-migrator.js';

// The deploy-time schema migrator against real PostgreSQL: a database of its own, empty at first.

const dbName = `riskgate_migrator_${randomUUID().slice(0, 8)}`;
const admin = new pg.Client({ connectionString: databaseUrl() });
const schema = new PostgresSchemaMigrator(
  migratorConfigSchema.parse({
    STAGE: 'local',
    DATABASE_URL: databaseUrl(dbName),
    DATABASE_TLS: 'false',
    DATABASE_STATEMENT_TIMEOUT_MS: '60000',
  }),
);

beforeAll(async () => {
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
});

afterAll(async () => {
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
});

describe('Schema migrator (CloudFormation custom resource)', () => {
  it('Create applies every migration to an empty database; Update applies nothing twice; Delete drops nothing', async () => {
    const files = (await loadMigrations()).map((m) => m.name);
    const created = await onMigrationEvent({ RequestType: 'Create' }, schema);
    expect(created).toEqual({
      PhysicalResourceId: SCHEMA_RESOURCE_ID,
      Data: { Applied: files.join(','), AlreadyApplied: '0' },
    });

    const updated = await onMigrationEvent({ RequestType: 'Update', PhysicalResourceId: SCHEMA_RESOURCE_ID }, schema);
    expect(updated.Data).toEqual({ Applied: 'none', AlreadyApplied: String(files.length) });

    await onMigrationEvent({ RequestType: 'Delete', PhysicalResourceId: SCHEMA_RESOURCE_ID }, schema);
    const db = new pg.Client({ connectionString: databaseUrl(dbName) });
    await db.connect();
    try {
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM ${TABLES.schemaMigrations}`);
      expect(rows[0].n).toBe(files.length);
      const tables = await db.query('SELECT to_regclass($1) AS audit, to_regclass($2) AS breakers', [
        TABLES.riskDecisions,
        TABLES.breakerEvents,
      ]);
      expect(tables.rows[0]).toEqual({ audit: 'risk_decisions', breakers: 'breaker_events' });
    } finally {
      await db.end();
    }
  });

  it('raises the database’s partition drop floors to the stage’s retention, and never lowers them', async () => {
    // Prepare: prod's retention, then dev's (shorter)
    const withRetention = (days: [string, string, string]) =>
      new PostgresSchemaMigrator(
        migratorConfigSchema.parse({
          STAGE: 'local',
          DATABASE_URL: databaseUrl(dbName),
          DATABASE_TLS: 'false',
          RETENTION_RISK_DECISIONS_DAYS: days[0],
          RETENTION_MARKET_TICKS_DAYS: days[1],
          RETENTION_MARKET_BARS_DAYS: days[2],
        }),
      );
    const db = new pg.Client({ connectionString: databaseUrl(dbName) });
    await db.connect();
    const floors = async () =>
      (await db.query('SELECT table_name, min_days FROM partition_retention_floors ORDER BY 1')).rows.map((r) => [
        r.table_name,
        r.min_days,
      ]);
    try {
      // Act
      await onMigrationEvent(
        { RequestType: 'Update', PhysicalResourceId: SCHEMA_RESOURCE_ID },
        withRetention(['2557', '90', '730']),
      );
      const afterProd = await floors();
      await onMigrationEvent(
        { RequestType: 'Update', PhysicalResourceId: SCHEMA_RESOURCE_ID },
        withRetention(['30', '7', '30']),
      );

      // Assess: seven years of audit cannot be dropped, even by a call straight to the function
      expect(afterProd).toEqual([
        ['market_bars', 730],
        ['market_ticks', 90],
        ['risk_decisions', 2557],
      ]);
      expect(await floors()).toEqual(afterProd);
      await expect(
        db.query("SELECT maintenance_drop_partition('risk_decisions'::regclass, current_date - 100)"),
      ).rejects.toThrow(/refusing to drop .* 2557 days/);
    } finally {
      await db.end();
    }
  });

  it('fails (and so fails the deployment) when the database cannot be reached', async () => {
    const unreachable = new PostgresSchemaMigrator(
      migratorConfigSchema.parse({
        STAGE: 'local',
        DATABASE_URL: databaseUrl(`${dbName}_missing`),
        DATABASE_TLS: 'false',
      }),
    );
    await expect(onMigrationEvent({ RequestType: 'Update' }, unreachable)).rejects.toThrow(/does not exist/);
  });
});

describe('Function: respondToCloudFormation', () => {
  it('PUTs the documented body, without a content type, to the pre-signed URL; a refused answer is an error', async () => {
    // A loopback server in the role of CloudFormation's pre-signed S3 URL.
    const received: { method?: string; contentType?: string; body: Record<string, unknown> }[] = [];
    let status = 200;
    const server = http.createServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      req.on('end', () => {
        received.push({ method: req.method, contentType: req.headers['content-type'], body: JSON.parse(text) });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const event = {
      ResponseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/presigned?X-Amz-Signature=abc`,
      StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/risk-gate-prod-Stateless/1',
      RequestId: 'req-1',
      LogicalResourceId: 'SchemaA4448CF9',
    };
    try {
      await respondToCloudFormation(event, {
        status: 'FAILED',
        reason: 'migration failed: 006_x.sql: syntax error',
        PhysicalResourceId: SCHEMA_RESOURCE_ID,
      });
      expect(received[0]).toEqual({
        method: 'PUT',
        contentType: '',
        body: {
          Status: 'FAILED',
          Reason: 'migration failed: 006_x.sql: syntax error',
          PhysicalResourceId: SCHEMA_RESOURCE_ID,
          StackId: event.StackId,
          RequestId: 'req-1',
          LogicalResourceId: 'SchemaA4448CF9',
        },
      });
      status = 403;
      await expect(
        respondToCloudFormation(event, { status: 'SUCCESS', PhysicalResourceId: SCHEMA_RESOURCE_ID }),
      ).rejects.toThrow(/HTTP 403/);
    } finally {
      server.close();
    }
  });
});
