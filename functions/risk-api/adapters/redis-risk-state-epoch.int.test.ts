import type { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRedisClient } from '../../../shared/adapters/redis/client.js';
import { orderBody } from '../../../shared/domain/risk/fixtures.js';
import { REDIS_KEYS } from '../../../shared/names.js';
import { databaseUrl, local, localStoreEnv } from '../../../test/local-env.js';
import { proxyEvent, writeMark } from '../../../test/risk-fixtures.js';
import { seedPostgres, seedRedis } from '../../../test/support/seed.js';
import { establishStateEpoch } from '../../../test/support/state-epoch.js';
import { createRiskApi, type RiskApi } from '../app.js';
import { riskApiConfigSchema } from '../config.js';
import { createRouter } from '../router.js';
import { connectRiskStores, type StoreRiskAdapters } from './store-adapters.js';

/**
 * A cache without a state epoch has not been rebuilt (shared/domain/state-epoch.ts): the
 * risk API's one-round-trip load finds no epoch and the order is rejected
 * RISK_STATE_UNAVAILABLE, audited, counted by the StateEpochMissing hook, and never counted
 * in the account's throttle window. Real Redis and PostgreSQL.
 */
let redis: Redis;
let pool: pg.Pool;
let api: RiskApi<StoreRiskAdapters>;
let route: ReturnType<typeof createRouter>;
let missing = 0;

async function validate(body: unknown) {
  const result = await route(proxyEvent('POST', '/v1/risk/validate', body));
  return JSON.parse(result.body) as { decision: string; reasons: { code: string }[] };
}

beforeAll(async () => {
  redis = createRedisClient({ host: local.redisHost, port: local.redisPort, db: local.testRedisDb, tls: false });
  await redis.connect();
  pool = new pg.Pool({ connectionString: databaseUrl() });
  await seedPostgres(pool);
  api = await createRiskApi(riskApiConfigSchema.parse({ ...localStoreEnv(), REDIS_COMMAND_TIMEOUT_MS: '2000' }), {
    adapters: (config) => connectRiskStores(config, { onStateEpochMissing: () => missing++ }),
  });
  route = createRouter(api.ports, 'local');
});

afterAll(async () => {
  await api.close();
  redis.disconnect();
  await pool.end();
});

beforeEach(async () => {
  missing = 0;
  await redis.flushdb();
  await seedRedis(redis);
  await writeMark(redis, 'BTC/USD', '64999.5', '65000.5', Date.now(), { mid: '65000' });
});

describe('Class: RedisRiskStateStore', () => {
  describe('Method: load, on a cache without a state epoch', () => {
    it('rejects RISK_STATE_UNAVAILABLE, audits the rejection and reports it', async () => {
      // Act
      const decision = await validate(orderBody());

      // Assess
      expect(decision).toMatchObject({ decision: 'reject', reasons: [{ code: 'RISK_STATE_UNAVAILABLE' }] });
      expect(missing).toBe(1);
      expect(await redis.xlen(REDIS_KEYS.auditSpool)).toBe(1);
      // Checked before anything else: the refused order is not counted in the throttle window.
      expect(await redis.exists(REDIS_KEYS.orderRate('company'))).toBe(0);
    });

    it('serves the same cache once the epoch is written', async () => {
      // Prepare
      await establishStateEpoch(redis, pool);

      // Act
      const decision = await validate(orderBody());

      // Assess
      expect(decision.decision).toBe('accept');
      expect(missing).toBe(0);
    });

    it('fails closed again the moment the epoch is gone', async () => {
      // Prepare
      await establishStateEpoch(redis, pool);
      expect((await validate(orderBody())).decision).toBe('accept');

      // Act
      await redis.del(REDIS_KEYS.stateEpoch);
      const decision = await validate(orderBody());

      // Assess
      expect(decision).toMatchObject({ decision: 'reject', reasons: [{ code: 'RISK_STATE_UNAVAILABLE' }] });
      expect(missing).toBe(1);
    });
  });
});
