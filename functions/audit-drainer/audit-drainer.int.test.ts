import type { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PostgresDecisionAuditWriter } from '../../shared/adapters/postgres/decision-audit.js';
import { AUDIT_SPOOL_FIELDS, encodeSpoolEntry, RedisAuditSpool } from '../../shared/adapters/redis/audit-spool.js';
import { createRedisClient } from '../../shared/adapters/redis/client.js';
import type { DecisionRecord } from '../../shared/domain/risk/ports.js';
import { REDIS_KEYS } from '../../shared/names.js';
import { databaseUrl, local } from '../../test/local-env.js';
import { drainAuditSpool, moveSpoolBatches } from './drain-audit-spool.js';

let redis: Redis;
let pool: pg.Pool;

beforeAll(async () => {
  redis = createRedisClient({ host: local.redisHost, port: local.redisPort, db: local.testRedisDb, tls: false });
  await redis.connect();
  pool = new pg.Pool({ connectionString: databaseUrl() });
});

afterAll(async () => {
  redis.disconnect();
  await pool.end();
});

beforeEach(async () => {
  await redis.del(REDIS_KEYS.auditSpool, REDIS_KEYS.auditSpoolDead);
});

function decisionRecord(): DecisionRecord {
  const decisionId = crypto.randomUUID();
  return {
    decisionId,
    decidedAt: new Date().toISOString(),
    accountId: 'company',
    orderId: `drain-${decisionId}`,
    symbol: 'BTC/USD',
    decision: 'reject',
    reasonCodes: ['MARK_UNAVAILABLE'],
    limitsVersion: 1,
    requestHash: 'h',
    request: {},
    inputs: {},
    response: { decision: 'reject' } as DecisionRecord['response'],
    latencyUs: 10,
  };
}

describe('Function: moveSpoolBatches (real Redis and PostgreSQL)', () => {
  it('parks an unreadable spool entry in the dead stream and still drains the rest', async () => {
    // Prepare
    const record = decisionRecord();
    await redis.xadd(REDIS_KEYS.auditSpool, '*', AUDIT_SPOOL_FIELDS.record, '{not json');
    await redis.xadd(REDIS_KEYS.auditSpool, '*', ...encodeSpoolEntry(record));
    const spool = new RedisAuditSpool(redis);

    // Act
    const pass = await moveSpoolBatches(
      { spool, table: new PostgresDecisionAuditWriter(pool) },
      { batchSize: 500, maxBatches: 100 },
    );

    // Assess
    expect(pass).toEqual({ moved: 1, parked: 1 });
    expect(await spool.deadLength()).toBe(1); // what the AuditDeadLetters alarm reads
    expect(await redis.xlen(REDIS_KEYS.auditSpool)).toBe(0);
    const [dead] = await redis.xrange(REDIS_KEYS.auditSpoolDead, '-', '+');
    expect(dead?.[1]).toContain('{not json');
    const { rows } = await pool.query('SELECT decision FROM risk_decisions WHERE decision_id = $1', [
      record.decisionId,
    ]);
    expect(rows).toEqual([{ decision: 'reject' }]);
  });
});

describe('Function: drainAuditSpool (real Redis and PostgreSQL)', () => {
  it('moves the spool to the audit table within its time budget and reports the lengths', async () => {
    // Prepare: more records than one batch holds, one of them already in the table.
    const records = Array.from({ length: 5 }, () => decisionRecord());
    for (const record of records) await redis.xadd(REDIS_KEYS.auditSpool, '*', ...encodeSpoolEntry(record));
    const table = new PostgresDecisionAuditWriter(pool);
    await table.insert([records[0] as DecisionRecord]);
    const budgetEndsAt = Date.now() + 400;
    const sleeps: number[] = [];

    // Act
    const report = await drainAuditSpool(
      { spool: new RedisAuditSpool(redis), table },
      {
        remainingMs: () => budgetEndsAt - Date.now(),
        sleep: async (ms) => {
          sleeps.push(ms);
          await new Promise((resolve) => setTimeout(resolve, ms));
        },
      },
      { batchSize: 2, maxBatches: 20, safetyMarginMs: 100, idleSleepMs: 50, failureBackoffMs: 1_000 },
    );

    // Assess
    expect(report).toEqual({ moved: 5, parked: 0, failures: 0, spoolLength: 0, deadLetters: 0 });
    expect(Date.now()).toBeLessThan(budgetEndsAt);
    expect(sleeps.length).toBeGreaterThan(0);
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM risk_decisions WHERE decision_id = ANY($1)', [
      records.map((r) => r.decisionId),
    ]);
    expect(rows[0].n).toBe(5);
  });
});
