import type { AddressInfo } from 'node:net';
import type { Context } from 'aws-lambda';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRedisClient } from '../../shared/adapters/redis/client.js';
import { REDIS_KEYS } from '../../shared/names.js';
import { createLocalServer } from '../../shared/runtime/local-http.js';
import { databaseUrl, local, localStoreEnv } from '../../test/local-env.js';
import { proxyEvent, writeMark } from '../../test/risk-fixtures.js';
import { seedPostgres, seedRedis } from '../../test/support/seed.js';
import { establishStateEpoch } from '../../test/support/state-epoch.js';

/**
 * The two edges that serve the same router: the Lambda handler (full middy + Powertools
 * chain, config parsed from the environment at cold start) and the local HTTP server that
 * `npm start` runs. Both against the real local Redis and PostgreSQL.
 */
let redis: Redis;

const env = {
  ...localStoreEnv('riskApi'),
  POWERTOOLS_DEV: 'true',
  POWERTOOLS_TRACE_ENABLED: 'false',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
};

const body = (orderId: string) => ({
  account_id: 'director-a',
  order_id: orderId,
  symbol: 'BTC/USD',
  side: 'sell',
  type: 'market',
  quantity: '0.05',
  intent: 'open',
});

beforeAll(async () => {
  redis = createRedisClient({ host: local.redisHost, port: local.redisPort, db: local.testRedisDb, tls: false });
  await redis.connect();
  await redis.flushdb();
  await seedRedis(redis);
  // Spot is a cash market: the market sells below need coins to sell (else INSUFFICIENT_HOLDING).
  await redis.hset(REDIS_KEYS.positions('director-a'), { 'BTC/USD': '1' });
  await establishStateEpoch(redis);
  const pool = new pg.Pool({ connectionString: databaseUrl() });
  await seedPostgres(pool);
  await pool.end();
});

afterAll(() => {
  redis.disconnect();
  vi.unstubAllEnvs();
});

describe('Edge: Lambda handler (middy + Powertools)', () => {
  it('answers a validation through the whole chain with real stores', async () => {
    for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value);
    vi.resetModules();
    const { handler } = await import('./handler.js');
    await writeMark(redis, 'BTC/USD', '64999.5', '65000.5', Date.now(), { mid: '65000' });
    const context = {
      functionName: 'risk-api',
      awsRequestId: 'it-1',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:risk-api',
      getRemainingTimeInMillis: () => 5_000,
    } as unknown as Context;
    const result = await handler(proxyEvent('POST', '/v1/risk/validate', body(`lambda-${Date.now()}`)), context);
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toMatchObject({ decision: 'accept', account_id: 'director-a' });
  });
});

describe('Edge: local HTTP server (npm start)', () => {
  it('serves the same routes and bodies over HTTP', async () => {
    const { riskApiConfigSchema } = await import('./config.js');
    const { createRiskApi } = await import('./app.js');
    const { createRouter } = await import('./router.js');
    const api = await createRiskApi(riskApiConfigSchema.parse(env));
    const server = createLocalServer(createRouter(api.ports, 'local'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await writeMark(redis, 'BTC/USD', '64999.5', '65000.5', Date.now(), { mid: '65000' });
      const accepted = await fetch(`${base}/v1/risk/validate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body(`http-${Date.now()}`)),
      });
      expect(accepted.status).toBe(200);
      expect(await accepted.json()).toMatchObject({ decision: 'accept', mark: { bid: '64999.5' } });

      const rejected = await fetch(`${base}/v1/risk/validate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...body(`http-big-${Date.now()}`), quantity: '50' }),
      });
      const rejectedBody = (await rejected.json()) as { decision: string; reasons: { code: string }[] };
      expect(rejectedBody.decision).toBe('reject');
      expect(rejectedBody.reasons.map((r: { code: string }) => r.code)).toContain('MAX_ORDER_QUANTITY');

      const plainText = await fetch(`${base}/v1/risk/validate`, { method: 'POST', body: 'nope' });
      expect(plainText.status).toBe(415);
      const malformed = await fetch(`${base}/v1/risk/validate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: 'nope',
      });
      expect(malformed.status).toBe(400);
      expect(await malformed.json()).toMatchObject({ code: 'INVALID_JSON' });

      const health = await fetch(`${base}/v1/health`);
      expect(await health.json()).toMatchObject({ status: 'ok', checks: { redis: 'ok', postgres: 'ok' } });

      const missing = await fetch(`${base}/v1/nothing`);
      expect(missing.status).toBe(404);
    } finally {
      server.close();
      await api.close();
    }
  });
});
