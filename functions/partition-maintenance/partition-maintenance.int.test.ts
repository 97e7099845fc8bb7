import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { METRICS, TABLES } from '../../shared/names.js';
import { databaseUrl } from '../../test/local-env.js';
import { createPartitionMaintenanceApp } from './app.js';
import { partitionMaintenanceConfigSchema } from './config.js';
import { PartitionMaintenanceFailedError } from './maintain-partitions.js';
import { addDays, utcDayOf } from './utc-day.js';

// The daily job against real PostgreSQL, on the schema the migrations built (partitions from
// yesterday to seven days ahead, DEFAULT partitions behind them), through the whole middy chain.

const lambdaContext = {
  functionName: 'partition-maintenance',
  functionVersion: '1',
  awsRequestId: 'req-1',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:partition-maintenance',
  memoryLimitInMB: '256',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

const env = {
  STAGE: 'local',
  DATABASE_URL: databaseUrl(),
  DATABASE_TLS: 'false',
  PARTITION_DAYS_AHEAD: '14',
  POWERTOOLS_DEV: 'true',
  // Dev mode silences metrics unless told otherwise; these tests read them.
  POWERTOOLS_METRICS_DISABLED: 'false',
  POWERTOOLS_TRACE_ENABLED: 'false',
};

const PARTITIONED = [TABLES.riskDecisions, TABLES.marketTicks, TABLES.marketBars] as const;
const db = new pg.Client({ connectionString: databaseUrl() });
let handler: (event: unknown, context: Context) => Promise<unknown>;
const today = () => utcDayOf(new Date());
const compact = (day: string) => day.replaceAll('-', '');

/** Runs the deployed handler once and returns the metrics it printed (EMF, via console in dev mode). */
async function runJob(): Promise<Record<string, number>> {
  const printed: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((line: unknown) => {
    printed.push(String(line));
  });
  try {
    await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event' }, lambdaContext);
  } finally {
    spy.mockRestore();
  }
  const emf = printed.map((line) => JSON.parse(line)).find((doc) => doc._aws);
  const names: string[] = emf._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string }) => m.Name);
  return Object.fromEntries(names.map((name) => [name, emf[name]]));
}

async function partitionDays(table: string): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = $1::regclass ORDER BY 1`,
    [table],
  );
  return rows.map((r) => r.name).filter((name) => name !== `${table}_default`);
}

/** Which partition holds each row, keyed by the row's id. */
async function whereRowsAre(sql: string, params: unknown[]): Promise<string[]> {
  const { rows } = await db.query<{ part: string }>(sql, params);
  return rows.map((r) => r.part);
}

function insertDecision(decidedAt: string): Promise<pg.QueryResult> {
  return db.query(
    `INSERT INTO risk_decisions (decision_id, decided_at, account_id, order_id, symbol, decision, reason_codes,
                                 request_hash, request, inputs, response)
     VALUES ($1, $2, 'desk-f', $3, 'BTC/USD', 'accept', '{}', 'h', '{}', '{}', '{}')`,
    [randomUUID(), decidedAt, `o-${randomUUID().slice(0, 8)}`],
  );
}

function insertTick(eventTs: string, eventId: string): Promise<pg.QueryResult> {
  return db.query(
    `INSERT INTO market_ticks (symbol, event_ts, event_id, kind, price, qty, side, received_at)
     VALUES ('BTC/USD', $1, $2, 'trade', 65000.5, 0.01, 'buy', $1)`,
    [eventTs, eventId],
  );
}

function insertBar(bucketStart: string): Promise<pg.QueryResult> {
  return db.query(
    `INSERT INTO market_bars (symbol, bar_interval, bucket_start, open, high, low, close)
     VALUES ('BTC/USD', '1 minute', $1, 1, 2, 1, 2)`,
    [bucketStart],
  );
}

beforeAll(async () => {
  await db.connect();
  for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value);
  vi.resetModules();
  ({ handler } = await import('./handler.js'));
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await db.end();
});

describe('Handler: partition-maintenance (real PostgreSQL)', () => {
  it('creates the partitions of every table from today to fourteen days ahead', async () => {
    // Prepare: the last day of the window missing for every table (an earlier test in the run,
    // local mode for one, may already have run the job on this database)
    const wanted = Array.from({ length: 15 }, (_, i) => addDays(today(), i));
    for (const table of PARTITIONED) {
      await db.query(`DROP TABLE IF EXISTS ${table}_p${compact(addDays(today(), 14))}`);
    }
    let missing = 0;
    for (const table of PARTITIONED) {
      const existing = new Set(await partitionDays(table));
      missing += wanted.filter((day) => !existing.has(`${table}_p${compact(day)}`)).length;
    }
    expect(missing).toBeGreaterThan(0);

    // Act
    const emitted = await runJob();

    // Assess
    for (const table of PARTITIONED) {
      const existing = await partitionDays(table);
      expect(existing).toEqual(expect.arrayContaining(wanted.map((day) => `${table}_p${compact(day)}`)));
    }
    expect(emitted[METRICS.partitionsCreated]).toBe(missing);
    expect(emitted[METRICS.partitionDaysAhead]).toBe(14);
    expect(emitted[METRICS.partitionRowsInDefault]).toBe(0);
  });

  it('moves rows that landed in DEFAULT into their own day’s partition, keeps the audit append-only, and counts them', async () => {
    // Prepare: days past the fourteen created, so the rows fall into DEFAULT
    const decisionDay = addDays(today(), 20);
    const tickDay = addDays(today(), 30);
    const barDay = addDays(today(), 16);
    await insertDecision(`${decisionDay}T09:00:00Z`);
    await insertDecision(`${decisionDay}T23:59:59.999Z`);
    await insertTick(`${tickDay}T00:00:00Z`, 'late-1');
    await insertBar(`${barDay}T12:00:00Z`);
    expect(
      await whereRowsAre('SELECT tableoid::regclass::text AS part FROM risk_decisions WHERE decided_at >= $1', [
        decisionDay,
      ]),
    ).toEqual(['risk_decisions_default', 'risk_decisions_default']);

    // Act
    const emitted = await runJob();

    // Assess
    expect(emitted[METRICS.partitionRowsInDefault]).toBe(4);
    expect(
      await whereRowsAre('SELECT tableoid::regclass::text AS part FROM risk_decisions WHERE decided_at >= $1', [
        decisionDay,
      ]),
    ).toEqual([`risk_decisions_p${compact(decisionDay)}`, `risk_decisions_p${compact(decisionDay)}`]);
    expect(
      await whereRowsAre("SELECT tableoid::regclass::text AS part FROM market_ticks WHERE event_id = 'late-1'", []),
    ).toEqual([`market_ticks_p${compact(tickDay)}`]);
    expect(
      await whereRowsAre('SELECT tableoid::regclass::text AS part FROM market_bars WHERE bucket_start = $1', [
        `${barDay}T12:00:00Z`,
      ]),
    ).toEqual([`market_bars_p${compact(barDay)}`]);
    for (const table of PARTITIONED) {
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM ${table}_default`);
      expect(rows[0].n, table).toBe(0);
    }
    // The moved rows are as append-only as before, and DEFAULT came back with the trigger.
    await expect(db.query('DELETE FROM risk_decisions WHERE decided_at >= $1', [decisionDay])).rejects.toThrow(
      /append-only/,
    );
    const triggers = await db.query(
      "SELECT tgname FROM pg_trigger WHERE tgrelid = 'risk_decisions_default'::regclass AND NOT tgisinternal",
    );
    expect(triggers.rows.map((r) => r.tgname)).toEqual(['risk_decisions_append_only']);
  });

  it('drops market partitions past their retention and keeps the audit’s', async () => {
    // Prepare: days 100 to 95 back, older than the ticks' 90 days, well within the audit's seven years
    const old = Array.from({ length: 6 }, (_, i) => addDays(today(), -100 + i));
    for (const table of PARTITIONED)
      await db.query('SELECT ensure_daily_partitions($1::regclass, $2::date, 6)', [table, old[0]]);
    await insertDecision(`${old[0]}T10:00:00Z`);
    await insertTick(`${old[0]}T10:00:00Z`, 'old-1');
    const kept = addDays(today(), -90);
    await db.query('SELECT ensure_daily_partitions($1::regclass, $2::date, 1)', [TABLES.marketTicks, kept]);
    await insertTick(`${kept}T00:00:00Z`, 'kept-1');

    // Act
    const emitted = await runJob();

    // Assess
    expect(emitted[METRICS.partitionsDropped]).toBe(6);
    const ticks = await partitionDays(TABLES.marketTicks);
    expect(ticks.filter((name) => old.some((day) => name === `market_ticks_p${compact(day)}`))).toEqual([]);
    expect(ticks).toContain(`market_ticks_p${compact(kept)}`);
    const { rows } = await db.query("SELECT event_id FROM market_ticks WHERE event_id IN ('old-1', 'kept-1')");
    expect(rows.map((r) => r.event_id)).toEqual(['kept-1']);
    expect(await partitionDays(TABLES.riskDecisions)).toEqual(
      expect.arrayContaining(old.map((day) => `risk_decisions_p${compact(day)}`)),
    );
    // Bars keep two years: their old partitions stay too.
    expect(await partitionDays(TABLES.marketBars)).toContain(`market_bars_p${compact(old[0] as string)}`);
    const decisions = await db.query('SELECT count(*)::int AS n FROM risk_decisions WHERE decided_at < $1', [old[1]]);
    expect(decisions.rows[0].n).toBe(1);
  });

  it('changes nothing when run again', async () => {
    // Prepare
    const before = await Promise.all(PARTITIONED.map((table) => partitionDays(table)));

    // Act
    const emitted = await runJob();

    // Assess
    expect(emitted).toMatchObject({
      [METRICS.partitionsCreated]: 0,
      [METRICS.partitionsDropped]: 0,
      [METRICS.partitionRowsInDefault]: 0,
      [METRICS.partitionDaysAhead]: 14,
    });
    expect(await Promise.all(PARTITIONED.map((table) => partitionDays(table)))).toEqual(before);
  });
});

describe('Function: createPartitionMaintenanceApp (real PostgreSQL)', () => {
  it('leaves DEFAULT and its rows exactly as they were when the table lock is not granted', async () => {
    // Prepare: a reader holds the audit table for longer than the job waits
    const app = createPartitionMaintenanceApp(
      partitionMaintenanceConfigSchema.parse({ ...env, PARTITION_LOCK_TIMEOUT_MS: '300' }),
    );
    const day = addDays(today(), 45);
    await insertDecision(`${day}T08:00:00Z`);
    const reader = new pg.Client({ connectionString: databaseUrl() });
    await reader.connect();
    await reader.query('BEGIN');
    await reader.query('LOCK TABLE risk_decisions IN ACCESS SHARE MODE');

    // Act
    const report = await app.run().finally(async () => {
      await reader.query('ROLLBACK');
      await reader.end();
      await app.close();
    });

    // Assess
    expect(report.tables.find((t) => t.table === TABLES.riskDecisions)).toMatchObject({
      outcome: 'failed',
      rowsFoundInDefault: 1,
      rowsMoved: 0,
      error: expect.stringMatching(/lock timeout/),
    });
    expect(new PartitionMaintenanceFailedError(report).report.failedTables).toEqual([TABLES.riskDecisions]);
    expect(
      await whereRowsAre('SELECT tableoid::regclass::text AS part FROM risk_decisions WHERE decided_at >= $1', [day]),
    ).toEqual(['risk_decisions_default']);
    const attached = await db.query(
      "SELECT pt.partdefid::regclass::text AS fallback FROM pg_partitioned_table pt WHERE pt.partrelid = 'risk_decisions'::regclass",
    );
    expect(attached.rows[0].fallback).toBe('risk_decisions_default');
    expect(report.tables.filter((t) => t.outcome === 'maintained').map((t) => t.table)).toEqual([
      TABLES.marketTicks,
      TABLES.marketBars,
    ]);
  });
});
