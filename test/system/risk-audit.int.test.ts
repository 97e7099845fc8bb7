import type { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { moveSpoolBatches } from '../../functions/audit-drainer/drain-audit-spool.js';
import { createRiskApi, type RiskApi } from '../../functions/risk-api/app.js';
import { riskApiConfigSchema } from '../../functions/risk-api/config.js';
import { createRouter } from '../../functions/risk-api/router.js';
import { PostgresDecisionAuditWriter } from '../../shared/adapters/postgres/decision-audit.js';
import { RedisAuditSpool } from '../../shared/adapters/redis/audit-spool.js';
import { createRedisClient } from '../../shared/adapters/redis/client.js';
import { orderBody } from '../../shared/domain/risk/fixtures.js';
import { REDIS_KEYS } from '../../shared/names.js';
import { TcpProxy } from '../fakes/tcp-proxy.js';
import { databaseUrl, local } from '../local-env.js';
import { proxyEvent, writeMark } from '../risk-fixtures.js';
import { seedPostgres, seedRedis } from '../support/seed.js';
import { establishStateEpoch } from '../support/state-epoch.js';

/**
 * A decision's audit record from the risk API through the Redis spool and the audit drainer
 * into PostgreSQL, and back out through `GET /v1/risk/decisions`: the two units over real
 * stores, reached through TCP proxies so a test can stop either store for this code alone.
 */
let redis: Redis;
let pool: pg.Pool;
const redisProxy = new TcpProxy(local.redisHost, local.redisPort);
const pgProxy = new TcpProxy(local.pgHost, local.pgPort);
let clock = Date.now();

function configFor() {
  const dbUrl = new URL(databaseUrl());
  dbUrl.port = String(pgProxy.port);
  return riskApiConfigSchema.parse({
    STAGE: 'local',
    REDIS_HOST: '127.0.0.1',
    REDIS_PORT: String(redisProxy.port),
    REDIS_DB: String(local.testRedisDb),
    REDIS_TLS: 'false',
    REDIS_COMMAND_TIMEOUT_MS: '100',
    DATABASE_URL: dbUrl.toString(),
    DATABASE_TLS: 'false',
    LIMITS_CACHE_TTL_MS: '1000',
    LIMITS_MAX_STALE_MS: '30000',
  });
}

async function makeApi(): Promise<{ api: RiskApi; route: ReturnType<typeof createRouter> }> {
  const api = await createRiskApi(configFor(), { now: () => clock });
  return { api, route: createRouter(api.ports, 'local') };
}

/** One pass of the audit drainer over the API's own connections (so a stopped proxy stops it too). */
async function drain(api: RiskApi): Promise<number> {
  const ports = {
    spool: new RedisAuditSpool(api.adapters.redis),
    table: new PostgresDecisionAuditWriter(api.adapters.pool),
  };
  return (await moveSpoolBatches(ports, { batchSize: 500, maxBatches: 100 })).moved;
}

async function validate(route: ReturnType<typeof createRouter>, body: unknown) {
  const result = await route(proxyEvent('POST', '/v1/risk/validate', body));
  return { status: result.statusCode, body: JSON.parse(result.body) };
}

beforeAll(async () => {
  await redisProxy.start();
  await pgProxy.start();
  redis = createRedisClient({ host: local.redisHost, port: local.redisPort, db: local.testRedisDb, tls: false });
  await redis.connect();
  pool = new pg.Pool({ connectionString: databaseUrl() });
  await seedPostgres(pool);
});

afterAll(async () => {
  redis.disconnect();
  await pool.end();
  await redisProxy.stop();
  await pgProxy.stop();
});

beforeEach(async () => {
  clock = Date.now();
  await redis.flushdb();
  await seedRedis(redis);
  await establishStateEpoch(redis, pool);
  await writeMark(redis, 'BTC/USD', '64999.5', '65000.5', clock - 10, { mid: '65000' });
});

describe('Risk API and audit drainer over real Redis and PostgreSQL', () => {
  it('accepts a sound order, audits it durably and lists it among recent decisions', async () => {
    const { api, route } = await makeApi();
    try {
      const body = orderBody();
      const { status, body: decision } = await validate(route, body);
      expect(status).toBe(200);
      expect(decision).toMatchObject({ decision: 'accept', reasons: [], limits_version: 1, order_id: body.order_id });
      expect(decision.mark).toMatchObject({ bid: '64999.5', ask: '65000.5', mid: '65000', age_ms: 10 });

      expect(await redis.xlen(REDIS_KEYS.auditSpool)).toBe(1);
      expect(await drain(api)).toBe(1);
      const { rows } = await pool.query('SELECT decision, request, inputs FROM risk_decisions WHERE decision_id = $1', [
        decision.decision_id,
      ]);
      expect(rows[0]).toMatchObject({ decision: 'accept', request: body });
      expect(rows[0].inputs.notional).toBe('6500');

      const listed = await route(
        proxyEvent('GET', '/v1/risk/decisions', undefined, { account_id: 'company', limit: '5' }),
      );
      expect(JSON.parse(listed.body).decisions[0].decision_id).toBe(decision.decision_id);
    } finally {
      await api.close();
    }
  });

  it('rejects on stale market data, an unknown account and an engaged kill switch — each audited', async () => {
    const { api, route } = await makeApi();
    try {
      await writeMark(redis, 'ETH/USD', '2999.99', '3000.01', clock - 5_000, { mid: '3000' });
      const stale = await validate(route, orderBody({ symbol: 'ETH/USD', limit_price: '3000', quantity: '1' }));
      expect(stale.body.reasons.map((r: { code: string }) => r.code)).toEqual(['MARKET_DATA_STALE']);

      const unknown = await validate(route, orderBody({ account_id: 'nobody' }));
      expect(unknown.body).toMatchObject({ decision: 'reject', reasons: [{ code: 'UNKNOWN_ACCOUNT' }] });

      await redis.hset(REDIS_KEYS.killSwitchAccount('company'), {
        engaged: '1',
        reason: 'manual',
        allow_reduce_only: '1',
      });
      const killed = await validate(route, orderBody());
      expect(killed.body.reasons.map((r: { code: string }) => r.code)).toEqual(['KILL_SWITCH_ACTIVE']);

      expect(await drain(api)).toBe(3);
    } finally {
      await api.close();
    }
  });
});

describe('No decision lost when a store stops', () => {
  it('Postgres stopped -> cached limits until max age, then reject; no decision lost; restart -> recovers', async () => {
    const { api, route } = await makeApi();
    try {
      expect((await validate(route, orderBody())).body.decision).toBe('accept'); // limits now cached
      await pgProxy.stop();

      clock += 5_000; // past the 1 s TTL, inside the 30 s max age: cached limits serve
      await writeMark(redis, 'BTC/USD', '64999.5', '65000.5', clock - 10, { mid: '65000' });
      const cached = await validate(route, orderBody());
      expect(cached.body.decision).toBe('accept');

      clock += 30_000; // past the max age: fail closed
      await writeMark(redis, 'BTC/USD', '64999.5', '65000.5', clock - 10, { mid: '65000' });
      const expired = await validate(route, orderBody());
      expect(expired.body).toMatchObject({ decision: 'reject', reasons: [{ code: 'RISK_STATE_UNAVAILABLE' }] });

      // Every decision made while Postgres was down waits in the spool...
      await expect(drain(api)).rejects.toThrow();
      expect(await redis.xlen(REDIS_KEYS.auditSpool)).toBe(3);

      await pgProxy.start();
      clock += 1;
      const back = await validate(route, orderBody());
      expect(back.body.decision).toBe('accept');
      // ...and reaches the audit table once it is back.
      expect(await drain(api)).toBe(4);
      const ids = [cached, expired, back].map((r) => r.body.decision_id);
      const { rows } = await pool.query('SELECT count(*)::int AS n FROM risk_decisions WHERE decision_id = ANY($1)', [
        ids,
      ]);
      expect(rows[0].n).toBe(3);
    } finally {
      await api.close();
      await pgProxy.start().catch(() => undefined);
    }
  });
});
