import type { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient } from '../../shared/adapters/redis/client.js';
import { REDIS_KEYS } from '../../shared/names.js';
import { databaseUrl, local } from '../../test/local-env.js';
import { AuditDrainer } from './adapters/audit-drainer.js';
import { PostgresAuditWriter } from './adapters/postgres-risk.js';

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

describe('Class: AuditDrainer (real Redis and PostgreSQL)', () => {
  it('parks an unreadable spool entry in the dead stream and still drains the rest', async () => {
    await redis.del(REDIS_KEYS.auditSpool, REDIS_KEYS.auditSpoolDead);
    const decisionId = crypto.randomUUID();
    const record = {
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
      response: { decision: 'reject' },
      latencyUs: 10,
    };
    await redis.xadd(REDIS_KEYS.auditSpool, '*', 'r', '{not json');
    await redis.xadd(REDIS_KEYS.auditSpool, '*', 'r', JSON.stringify(record));

    const drainer = new AuditDrainer(redis, new PostgresAuditWriter(pool));
    expect(await drainer.drain()).toBe(1);
    expect(drainer.deadEntries).toBe(1);
    expect(await drainer.deadLength()).toBe(1); // what the AuditDeadLetters alarm reads
    expect(await redis.xlen(REDIS_KEYS.auditSpool)).toBe(0);
    const [dead] = await redis.xrange(REDIS_KEYS.auditSpoolDead, '-', '+');
    expect(dead?.[1]).toContain('{not json');
    const { rows } = await pool.query('SELECT decision FROM risk_decisions WHERE decision_id = $1', [decisionId]);
    expect(rows).toEqual([{ decision: 'reject' }]);
  });
});
