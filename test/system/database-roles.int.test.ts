import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PostgresAccountAdministration } from '../../functions/admin-api/adapters/postgres-accounts.js';
import {
  PostgresControlLog,
  PostgresKeyRotationLog,
  PostgresLimitsAdmin,
} from '../../functions/admin-api/adapters/postgres-controls.js';
import {
  PostgresAccountDirectory,
  PostgresKillActionLog,
} from '../../functions/kill-executor/adapters/postgres-kill-actions.js';
import { PostgresPartitionStore } from '../../functions/partition-maintenance/adapters/postgres-partition-store.js';
import { addDays, utcDayOf } from '../../functions/partition-maintenance/utc-day.js';
import { PostgresDecisionQuery, PostgresLimitsSource } from '../../functions/risk-api/adapters/postgres-risk.js';
import { AuroraDurableState } from '../../functions/state-rebuild/adapters/aurora-durable-state.js';
import { PostgresUniverseStore } from '../../functions/universe/adapters/postgres-universe.js';
import { STAGE_CONFIGS } from '../../infra/config/stages.js';
import { PostgresBreakerConfigSource } from '../../shared/adapters/breakers/breaker-config-source.js';
import { PostgresBreakerAudit } from '../../shared/adapters/breakers/breaker-store.js';
import { PostgresDecisionAuditWriter } from '../../shared/adapters/postgres/decision-audit.js';
import { PostgresInstrumentCatalog } from '../../shared/adapters/postgres/instrument-catalog.js';
import { PostgresReservationEventWriter } from '../../shared/adapters/postgres/reservation-events.js';
import { PostgresStateGenerations } from '../../shared/adapters/postgres/state-generation.js';
import type { ReservationEvent } from '../../shared/adapters/redis/reservation-events.js';
import { connectDatabase } from '../../shared/adapters/stores.js';
import { storesConfigShape } from '../../shared/config/stores.js';
import type { DecisionRecord } from '../../shared/domain/risk/ports.js';
import { DATABASE_ROLES, type DatabaseUnit, databaseLoginUser, TABLES } from '../../shared/names.js';
import { databaseUrl } from '../local-env.js';
import { DATABASE_UNITS } from '../support/database-roles.js';

// Migration 011 on the real local PostgreSQL: every unit connects as its own login user and
// holds only the grants its adapters use; the migrator (the owner, `riskgate` here) alone
// changes the schema; the audit tables refuse UPDATE and DELETE to everyone. What is refused
// is printed, so the run's output shows it.

const PERMISSION_DENIED = '42501';
const owner = new pg.Client({ connectionString: databaseUrl() });
const pools = new Map<DatabaseUnit, pg.Pool>();
const pool = (unit: DatabaseUnit): pg.Pool => {
  const found = pools.get(unit);
  if (!found) throw new Error(`no pool for ${unit}`);
  return found;
};
const refusals: string[] = [];

/** The error a statement fails with (or null when it succeeds, inside a rolled-back transaction). */
async function attempt(db: pg.Pool | pg.Client, sql: string): Promise<{ code: string; message: string } | null> {
  const client = db instanceof pg.Pool ? await db.connect() : db;
  try {
    await client.query('BEGIN');
    await client.query(sql);
    return null;
  } catch (error) {
    const { code, message } = error as { code: string; message: string };
    return { code, message };
  } finally {
    await client.query('ROLLBACK');
    if (db instanceof pg.Pool) (client as pg.PoolClient).release();
  }
}

async function expectRefused(who: string, db: pg.Pool | pg.Client, sql: string, message: RegExp): Promise<void> {
  const error = await attempt(db, sql);
  expect(error, `${who}: ${sql} should be refused`).not.toBeNull();
  expect(error?.code, `${who}: ${sql}`).toBe(PERMISSION_DENIED);
  expect(error?.message).toMatch(message);
  refusals.push(`${who.padEnd(22)} ${sql.padEnd(64)} -> ${error?.message}`);
}

function decisionRecord(accountId: string, decidedAt = new Date().toISOString()): DecisionRecord {
  return {
    decisionId: randomUUID(),
    decidedAt,
    accountId,
    orderId: `ord-${randomUUID()}`,
    symbol: 'BTC/USD',
    decision: 'reject',
    reasonCodes: ['KILL_SWITCH'],
    limitsVersion: 1,
    requestHash: 'hash',
    request: {},
    inputs: {},
    response: { decision: 'reject' } as DecisionRecord['response'],
    latencyUs: 10,
  };
}

const accountId = `roles-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  await owner.connect();
  // Through the units' own config path: the local URL with DATABASE_USER naming the unit's login.
  const storesConfig = z.object({ STAGE: z.string(), ...storesConfigShape });
  for (const unit of DATABASE_UNITS) {
    const config = storesConfig.parse({
      STAGE: 'local',
      DATABASE_URL: databaseUrl(),
      DATABASE_USER: databaseLoginUser(unit),
      DATABASE_TLS: 'false',
      DATABASE_STATEMENT_TIMEOUT_MS: '10000',
    });
    pools.set(unit, connectDatabase(config));
  }
  await owner.query(
    `INSERT INTO ${TABLES.accounts} (account_id, display_name, kind) VALUES ($1, 'roles', 'strategy')`,
    [accountId],
  );
  await owner.query(
    `INSERT INTO ${TABLES.accountLimits} (account_id, version, limits, created_by, reason) VALUES ($1, 1, $2, 'test', 'seed')`,
    [accountId, JSON.stringify({ nav: '100000' })],
  );
  await new PostgresDecisionAuditWriter(owner as unknown as pg.Pool).insert([decisionRecord(accountId)]);
  await new PostgresControlLog(owner as unknown as pg.Pool).append({
    eventId: randomUUID(),
    scope: 'account',
    target: accountId,
    action: 'engage',
    reason: 'seed',
    actor: 'test',
  });
});

afterAll(async () => {
  if (refusals.length > 0) console.log(`refused (${refusals.length}):\n${refusals.join('\n')}`);
  await Promise.all([...pools.values()].map((p) => p.end()));
  await owner.end();
});

describe('Migration 011: database roles (real PostgreSQL)', () => {
  it('gives every unit of shared/names.ts a NOLOGIN group role whose only member is its login user', async () => {
    // Act
    const { rows } = await owner.query<{ group: string; can_login: boolean; members: string[] }>(
      `SELECT g.rolname AS group, g.rolcanlogin AS can_login,
              array(SELECT m.rolname::text FROM pg_auth_members am JOIN pg_roles m ON m.oid = am.member
                     WHERE am.roleid = g.oid AND m.rolname <> current_user ORDER BY 1) AS members
         FROM pg_roles g WHERE g.rolname = ANY ($1) ORDER BY 1`,
      [Object.values(DATABASE_ROLES)],
    );

    // Assess
    expect(rows.map((r) => r.group)).toEqual(Object.values(DATABASE_ROLES).sort());
    for (const unit of DATABASE_UNITS) {
      const row = rows.find((r) => r.group === DATABASE_ROLES[unit]);
      expect(row?.can_login).toBe(false);
      expect(row?.members).toEqual([databaseLoginUser(unit)]);
      const { rows: who } = await pool(unit).query<{ user: string }>('SELECT current_user AS user');
      expect(who[0]?.user).toBe(databaseLoginUser(unit));
    }
  });

  it('refuses the risk API an UPDATE (or DELETE) of limits', async () => {
    await expectRefused(
      'riskApi',
      pool('riskApi'),
      `UPDATE ${TABLES.accountLimits} SET limits = '{"nav":"1e12"}' WHERE account_id = '${accountId}'`,
      /permission denied for table account_limits/,
    );
    await expectRefused(
      'riskApi',
      pool('riskApi'),
      `DELETE FROM ${TABLES.accountLimits} WHERE account_id = '${accountId}'`,
      /permission denied for table account_limits/,
    );
    // Nobody may rewrite a limits version: changes are new versions, by the admin API only.
    for (const unit of DATABASE_UNITS) {
      const error = await attempt(pool(unit), `UPDATE ${TABLES.accountLimits} SET reason = 'x'`);
      expect(error?.code, unit).toBe(PERMISSION_DENIED);
    }
  });

  it('keeps the decision audit and every other audit table append-only for every role, the migrator included', async () => {
    const auditTables = [
      TABLES.riskDecisions,
      TABLES.killSwitchLog,
      TABLES.accountAdminLog,
      TABLES.breakerConfig,
      TABLES.breakerEvents,
      TABLES.fills,
      TABLES.universeVersions,
      TABLES.stateGenerations,
      TABLES.reservationReleases,
      TABLES.reservationEvents,
    ];
    const today = utcDayOf(new Date()).replaceAll('-', '');
    let checked = 0;
    for (const table of auditTables) {
      const { rows } = await owner.query<{ column: string }>(
        `SELECT column_name AS column FROM information_schema.columns
          WHERE table_schema = 'public' AND table_name = $1 AND is_generated = 'NEVER' AND identity_generation IS NULL
          ORDER BY ordinal_position DESC LIMIT 1`,
        [table],
      );
      const column = rows[0]?.column;
      // Row triggers fire only on rows: the owner's UPDATE/DELETE is tried where there are some.
      const { rows: present } = await owner.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
      for (const sql of [`UPDATE ${table} SET ${column} = ${column}`, `DELETE FROM ${table}`, `TRUNCATE ${table}`]) {
        for (const unit of DATABASE_UNITS) {
          const error = await attempt(pool(unit), sql);
          expect(error?.code, `${unit}: ${sql}`).toBe(PERMISSION_DENIED);
          checked += 1;
        }
        // The owner has the privilege; the append-only triggers stop it with the same SQLSTATE.
        if (!sql.startsWith('TRUNCATE') && (present[0]?.n ?? 0) === 0) continue;
        const error = await attempt(owner, sql);
        expect(error?.code, `owner: ${sql}`).toBe(PERMISSION_DENIED);
        expect(error?.message).toMatch(/append-only/);
        checked += 1;
      }
    }
    refusals.push(
      `${checked} UPDATE/DELETE/TRUNCATE attempts on ${auditTables.length} audit tables by ${DATABASE_UNITS.length + 1} roles: all refused`,
    );
    // The decision audit, statement by statement and role by role, printed.
    for (const unit of DATABASE_UNITS) {
      await expectRefused(
        unit,
        pool(unit),
        `UPDATE ${TABLES.riskDecisions} SET decision = 'accept'`,
        /permission denied/,
      );
      await expectRefused(unit, pool(unit), `DELETE FROM ${TABLES.riskDecisions}`, /permission denied/);
      // Around the parent, straight at today's partition: no grant there either.
      await expectRefused(unit, pool(unit), `DELETE FROM ${TABLES.riskDecisions}_p${today}`, /permission denied/);
    }
    // The owner is stopped by the append-only triggers (same SQLSTATE), TRUNCATE included.
    for (const sql of [
      `UPDATE ${TABLES.riskDecisions} SET decision = 'accept'`,
      `DELETE FROM ${TABLES.riskDecisions}`,
      `DELETE FROM ${TABLES.riskDecisions}_p${today}`,
      `TRUNCATE ${TABLES.riskDecisions}`,
      `TRUNCATE ${TABLES.killSwitchLog}`,
    ]) {
      await expectRefused('migrator (owner)', owner, sql, /append-only/);
    }
  });

  it('lets nobody but the migrator CREATE, ALTER or DROP a table', async () => {
    for (const unit of DATABASE_UNITS) {
      await expectRefused(unit, pool(unit), 'CREATE TABLE rogue (id int)', /permission denied for schema public/);
      await expectRefused(
        unit,
        pool(unit),
        `ALTER TABLE ${TABLES.riskDecisions} DISABLE TRIGGER ALL`,
        /must be owner of table risk_decisions/,
      );
      await expectRefused(unit, pool(unit), `ALTER TABLE ${TABLES.accountLimits} ADD COLUMN x int`, /must be owner/);
      await expectRefused(unit, pool(unit), `DROP TABLE ${TABLES.accounts} CASCADE`, /must be owner/);
    }
    // The migrator can (rolled back by attempt()).
    expect(await attempt(owner, `ALTER TABLE ${TABLES.accountLimits} ADD COLUMN x int`)).toBeNull();
    expect(await attempt(owner, 'CREATE TABLE migrator_may (id int)')).toBeNull();
  });

  it('runs the risk API adapters under its role: limits, the audit of last resort and the decision history', async () => {
    // Prepare
    const db = pool('riskApi');
    const record = decisionRecord(accountId);

    // Act
    const limits = await new PostgresLimitsSource(db).get(accountId);
    await new PostgresDecisionAuditWriter(db).insert([record]);
    const history = await new PostgresDecisionQuery(db).recent(accountId, 10);

    // Assess
    expect(limits).toMatchObject({ accountId, enabled: true, limitsVersion: 1 });
    expect(history.length).toBeGreaterThanOrEqual(2);
  });

  it('runs the admin API adapters under its role: accounts, limits versions, kill switch log, rotations, breakers, generations', async () => {
    // Prepare
    const db = pool('adminApi');
    const accounts = new PostgresAccountAdministration(db);
    const limits = new PostgresLimitsAdmin(db);
    const newAccount = `roles-admin-${randomUUID().slice(0, 8)}`;

    // Act
    const firstProposal = await accounts.create(
      { accountId: newAccount, displayName: 'Roles', kind: 'strategy', krakenKeyAccount: newAccount },
      { limits: { nav: '1000' }, reason: 'first' },
      { eventId: randomUUID(), actor: 'alice' },
    );
    const firstVersion = await limits.apply(newAccount, firstProposal, 'bob');
    const proposal = await limits.propose(newAccount, { nav: '2000' }, 'alice', 'raise');
    const secondVersion = await limits.apply(newAccount, proposal, 'bob');
    const disabled = await accounts.setEnabled(newAccount, false, {
      eventId: randomUUID(),
      actor: 'alice',
      reason: 'test',
    });
    const control = new PostgresControlLog(db);
    const eventId = randomUUID();
    await control.append({
      eventId,
      scope: 'account',
      target: newAccount,
      action: 'engage',
      reason: 'test',
      actor: 'alice',
    });
    await new PostgresKeyRotationLog(db).record(newAccount, 'alice', `risk-gate/local/kraken/${newAccount}`, 'api-key');
    await new PostgresBreakerAudit(db).recordManualReset('BTC/USD', [], 'test', randomUUID(), Date.now());
    const generation = await new PostgresStateGenerations(db).advance('kill_switch_engage', newAccount);

    // Assess
    expect([firstVersion, secondVersion]).toEqual([1, 2]);
    expect(disabled).toBe(true);
    expect((await accounts.get(newAccount))?.enabled).toBe(false);
    expect((await limits.current(newAccount))?.version).toBe(2);
    expect((await control.history(50)).map((e) => e.eventId)).toContain(eventId);
    expect(generation).toBeGreaterThan(0);
    // Its column grant on accounts is `enabled` only.
    await expectRefused('adminApi', db, `UPDATE ${TABLES.accounts} SET display_name = 'x'`, /permission denied/);
  });

  it('runs the other units’ adapters under their roles', async () => {
    // audit drainer: writes the audit, cannot read it back
    await new PostgresDecisionAuditWriter(pool('auditDrainer')).insert([decisionRecord(accountId)]);
    await expectRefused(
      'auditDrainer',
      pool('auditDrainer'),
      `SELECT * FROM ${TABLES.riskDecisions}`,
      /permission denied/,
    );
    // and reservation expiries, idempotently
    const decisionId = randomUUID();
    const expiry = {
      kind: 'expired',
      atMs: 1_700_000_031_000,
      reservation: {
        account_id: accountId,
        order_id: `res-${decisionId}`,
        decision_id: decisionId,
        symbol: 'BTC/USD',
        side: 'buy',
        type: 'limit',
        qty: '0.001',
        limit_price: '65000.1',
        worst_price: '65000.1',
        reduce_only: false,
        created_at_ms: 1_700_000_000_000,
        expires_at_ms: 1_700_000_030_000,
      },
    } as const satisfies ReservationEvent;
    const events = new PostgresReservationEventWriter(pool('auditDrainer'));
    await events.insert([expiry]);
    await events.insert([expiry]); // redelivered: nothing twice
    const { rows: copied } = await owner.query(
      `SELECT count(*)::int AS n FROM ${TABLES.reservationEvents} WHERE decision_id = $1`,
      [decisionId],
    );
    expect(copied[0]?.n).toBe(1);
    // kill executor: enabled accounts, its per-account results, retried in place
    const killEvent = randomUUID();
    const actions = new PostgresKillActionLog(pool('killExecutor'));
    expect(await new PostgresAccountDirectory(pool('killExecutor')).enabledAccountIds()).toContain(accountId);
    const result = { accountId, action: 'cancel_all', outcome: 'ok', attempts: 1, detail: {} } as const;
    await actions.record(killEvent, result as unknown as Parameters<PostgresKillActionLog['record']>[1]);
    await actions.record(killEvent, result as unknown as Parameters<PostgresKillActionLog['record']>[1]);
    // market evaluator and reference prices: breaker config
    for (const unit of ['marketEvaluator', 'referencePrices'] as const) {
      const configs = await new PostgresBreakerConfigSource(pool(unit), { ttlMs: 1, maxStaleMs: 1 }).get();
      expect(configs).toBeTruthy();
    }
    // universe: pairs and a new version
    const universe = new PostgresUniverseStore(pool('universe'));
    await universe.onlineUsdPairs();
    expect(await universe.record(['BTC/USD'], { test: true })).toBeGreaterThan(0);
    // market ingester: the instrument catalogue, upserted twice (the second an update) and marked unreadable
    const catalog = new PostgresInstrumentCatalog(pool('marketIngester'));
    const pair = {
      symbol: 'ROLES/USD',
      base: 'ROLES',
      quote: 'USD',
      status: 'online',
      pricePrecision: 2,
      qtyPrecision: 4,
      priceIncrement: '0.01',
      qtyIncrement: '0.0001',
      qtyMin: '0.001',
    };
    await catalog.upsert([pair]);
    await catalog.upsert([{ ...pair, status: 'post_only' }]);
    await catalog.markUnreadable([pair.symbol]);
    const { rows: instrument } = await owner.query(`SELECT status FROM ${TABLES.instruments} WHERE symbol = $1`, [
      pair.symbol,
    ]);
    expect(instrument[0]?.status).not.toBe('online');
    // state rebuild: reads everything it restores, writes nothing
    await new AuroraDurableState(pool('stateRebuild')).read();
    await expectRefused('stateRebuild', pool('stateRebuild'), `DELETE FROM ${TABLES.positions}`, /permission denied/);
  });

  it('keeps the partition floors at or below every stage’s retention, so no stage’s own drops are refused', async () => {
    // Prepare
    const stages = [STAGE_CONFIGS.dev, STAGE_CONFIGS.staging, STAGE_CONFIGS.prod].map((c) => c.retention);
    const kept = {
      [TABLES.riskDecisions]: Math.min(...stages.map((r) => r.riskDecisionsDays)),
      [TABLES.marketTicks]: Math.min(...stages.map((r) => r.marketTicksDays)),
      [TABLES.marketBars]: Math.min(...stages.map((r) => r.marketBarsDays)),
    };

    // Act
    const { rows } = await owner.query<{ table_name: string; min_days: number }>(
      'SELECT table_name, min_days FROM partition_retention_floors ORDER BY 1',
    );

    // Assess
    expect(rows.map((r) => r.table_name).sort()).toEqual(Object.keys(kept).sort());
    for (const row of rows) expect(row.min_days).toBeLessThanOrEqual(kept[row.table_name as keyof typeof kept]);
  });

  it('lets partition maintenance create and drop daily partitions only through the migrator’s functions, never a young audit day', async () => {
    // Prepare
    const db = pool('partitionMaintenance');
    const store = new PostgresPartitionStore(db, { lockTimeoutMs: 2_000 });
    const today = utcDayOf(new Date());
    const old = addDays(today, -120);
    const yesterday = addDays(today, -1);

    // Act
    const created = await store.createPartitions(TABLES.marketTicks, [old]);
    // A partition made later (by the migrator's function) grants nothing: units reach rows
    // through the parent only, under the parent's grants.
    const { rows: grants } = await owner.query<{ role: string; any: boolean }>(
      `SELECT r AS role, has_table_privilege(r, $1, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE') AS any
         FROM unnest($2::text[]) AS r`,
      [`${TABLES.marketTicks}_p${old.replaceAll('-', '')}`, Object.values(DATABASE_ROLES)],
    );
    const dropped = await store.dropPartitions(TABLES.marketTicks, [old]);
    const defaults = await store.defaultRowsByDay(TABLES.riskDecisions);

    // Assess
    expect([created, dropped]).toEqual([1, 1]);
    expect(grants.filter((g) => g.any)).toEqual([]);
    expect(grants).toHaveLength(DATABASE_UNITS.length);
    expect(Array.isArray(defaults)).toBe(true);
    await expect(store.dropPartitions(TABLES.riskDecisions, [yesterday])).rejects.toThrow(/refusing to drop/);
    expect(await store.dailyPartitions(TABLES.riskDecisions)).toContain(yesterday);
    await expectRefused(
      'partitionMaintenance',
      db,
      `DROP TABLE ${TABLES.riskDecisions}_p${yesterday.replaceAll('-', '')}`,
      /must be owner/,
    );
    await expectRefused(
      'partitionMaintenance',
      db,
      `SELECT maintenance_create_partitions('${TABLES.accounts}'::regclass, current_date, 1)`,
      /not a table partition maintenance may touch/,
    );
    await expectRefused(
      'riskApi',
      pool('riskApi'),
      `SELECT maintenance_drop_partition('${TABLES.marketTicks}'::regclass, '${old}')`,
      /permission denied for function/,
    );
  });
});
