import type { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRedisClient } from '../../shared/adapters/redis/client.js';
import { orderBody } from '../../shared/domain/risk/fixtures.js';
import { REDIS_KEYS } from '../../shared/names.js';
import { TcpProxy } from '../../test/fakes/tcp-proxy.js';
import { databaseUrl, local } from '../../test/local-env.js';
import { proxyEvent, writeMark } from '../../test/risk-fixtures.js';
import { seedPostgres, seedRedis } from '../../test/support/seed.js';
import { createRiskApi, type RiskApi } from './app.js';
import { riskApiConfigSchema } from './config.js';
import { createRouter } from './router.js';

/**
 * The risk API driven through its router (the same code the Lambda handler and `npm start`
 * run) against real Redis and PostgreSQL, reached through TCP proxies so a test can stop
 * either store for this code alone.
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
  await writeMark(redis, 'BTC/USD', '64999.5', '65000.5', clock - 10, { mid: '65000' });
});

describe('Risk API over real Redis and PostgreSQL', () => {
  it('accepts a sound order, audits it durably and lists it among recent decisions', async () => {
    const { api, route } = await makeApi();
    try {
      const body = orderBody();
      const { status, body: decision } = await validate(route, body);
      expect(status).toBe(200);
      expect(decision).toMatchObject({ decision: 'accept', reasons: [], limits_version: 1, order_id: body.order_id });
      expect(decision.mark).toMatchObject({ bid: '64999.5', ask: '65000.5', mid: '65000', age_ms: 10 });

      expect(await redis.xlen(REDIS_KEYS.auditSpool)).toBe(1);
      expect(await api.drainer?.drain()).toBe(1);
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

      expect(await api.drainer?.drain()).toBe(3);
    } finally {
      await api.close();
    }
  });

  it('is idempotent per order id, and rejects a reused order id with a different body', async () => {
    const { api, route } = await makeApi();
    try {
      const body = orderBody();
      const first = await validate(route, body);
      const again = await validate(route, { ...body });
      expect(again.body).toEqual(first.body);
      const reused = await validate(route, { ...body, quantity: '0.2' });
      expect(reused.body).toMatchObject({ decision: 'reject', reasons: [{ code: 'DUPLICATE_ORDER_ID' }] });
      // Replays are not counted twice; the duplicate's rejection is audited.
      expect(await redis.xlen(REDIS_KEYS.auditSpool)).toBe(2);
    } finally {
      await api.close();
    }
  });

  it('throttles atomically: 15 concurrent orders against a limit of 10 per window reject exactly 5', async () => {
    const { api, route } = await makeApi();
    try {
      const results = await Promise.all(
        Array.from({ length: 15 }, () =>
          validate(route, orderBody({ account_id: 'director-b', quantity: '0.01', limit_price: '65000' })),
        ),
      );
      const throttled = results.filter((r) =>
        r.body.reasons.some((x: { code: string }) => x.code === 'ORDER_RATE_LIMIT'),
      );
      expect(throttled).toHaveLength(5);
      expect(results.filter((r) => r.body.decision === 'accept')).toHaveLength(10);
    } finally {
      await api.close();
    }
  });

  it('answers malformed requests with 400 and the field at fault, never a decision', async () => {
    const { api, route } = await makeApi();
    try {
      const bad = await validate(route, orderBody({ quantity: 0.1 }));
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ code: 'INVALID_REQUEST', issues: [{ field: 'quantity' }] });
      const notJson = await validate(route, '{"account_id":');
      expect(notJson).toMatchObject({ status: 400, body: { code: 'INVALID_JSON' } });
      const wrongMethod = await route(proxyEvent('GET', '/v1/risk/validate'));
      expect(wrongMethod.statusCode).toBe(405);
    } finally {
      await api.close();
    }
  });
});

describe('Fail closed when a store stops', () => {
  it('Redis stopped -> reject RISK_STATE_UNAVAILABLE within the budget, audited in Postgres; restart -> recovers', async () => {
    const { api, route } = await makeApi();
    try {
      expect((await validate(route, orderBody())).body.decision).toBe('accept');
      await redisProxy.stop();

      const started = performance.now();
      const down = await validate(route, orderBody());
      const elapsedMs = performance.now() - started;
      console.log(`redis stopped: reject in ${elapsedMs.toFixed(1)} ms`);
      expect(down.body).toMatchObject({ decision: 'reject', reasons: [{ code: 'RISK_STATE_UNAVAILABLE' }] });
      expect(elapsedMs).toBeLessThan(500);
      const { rows } = await pool.query('SELECT reason_codes FROM risk_decisions WHERE decision_id = $1', [
        down.body.decision_id,
      ]);
      expect(rows[0]?.reason_codes).toEqual(['RISK_STATE_UNAVAILABLE']);
      const health = await route(proxyEvent('GET', '/v1/health'));
      expect(health.statusCode).toBe(503);

      await redisProxy.start();
      let recovered = false;
      for (let i = 0; i < 50 && !recovered; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        recovered = (await validate(route, orderBody())).body.decision === 'accept';
      }
      expect(recovered).toBe(true);
    } finally {
      await api.close();
      await redisProxy.start().catch(() => undefined);
    }
  });

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
      await expect(api.drainer?.drain()).rejects.toThrow();
      expect(await redis.xlen(REDIS_KEYS.auditSpool)).toBe(3);

      await pgProxy.start();
      clock += 1;
      const back = await validate(route, orderBody());
      expect(back.body.decision).toBe('accept');
      // ...and reaches the audit table once it is back.
      expect(await api.drainer?.drain()).toBe(4);
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
