import type { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdminApi, createAdminApi } from '../../functions/admin-api/app.js';
import { adminApiConfigSchema } from '../../functions/admin-api/config.js';
import { createAdminRouter } from '../../functions/admin-api/router.js';
import { createRiskApi, type RiskApi } from '../../functions/risk-api/app.js';
import { riskApiConfigSchema } from '../../functions/risk-api/config.js';
import { createRouter } from '../../functions/risk-api/router.js';
import { createStateRebuildApp, type StateRebuildApp } from '../../functions/state-rebuild/app.js';
import { stateRebuildConfigSchema } from '../../functions/state-rebuild/config.js';
import { createRedisClient } from '../../shared/adapters/redis/client.js';
import { orderBody } from '../../shared/domain/risk/fixtures.js';
import { REDIS_KEYS } from '../../shared/names.js';
import { databaseUrl, local, localStoreEnv } from '../local-env.js';
import { proxyEvent, writeMark } from '../risk-fixtures.js';
import { releaseDurableControls } from '../support/durable-controls.js';
import { seedPostgres, seedRedis } from '../support/seed.js';
import { establishStateEpoch } from '../support/state-epoch.js';

/**
 * Cache loss with the global kill switch engaged, end to end on real Redis and PostgreSQL:
 * a steady stream of validations runs while the cache is emptied and rebuilt, and not one
 * of them is accepted, neither while the cache is empty (no state epoch: RISK_STATE_UNAVAILABLE)
 * nor after the rebuild (the engage is restored from the kill switch log: KILL_SWITCH_ACTIVE).
 * Only the two-person release lets orders through again.
 */
let redis: Redis;
let pool: pg.Pool;
let admin: AdminApi;
let risk: RiskApi;
let rebuild: StateRebuildApp;
let adminRoute: ReturnType<typeof createAdminRouter>;
let riskRoute: ReturnType<typeof createRouter>;
const silent = { publish: async () => undefined, notify: async () => undefined };

const validate = async () => {
  const result = await riskRoute(proxyEvent('POST', '/v1/risk/validate', orderBody({ quantity: '0.01' })));
  return JSON.parse(result.body) as { decision: string; reasons: { code: string }[] };
};
const adminCall = async (method: 'GET' | 'POST', path: string, body?: Record<string, unknown>) => {
  const result = await adminRoute(proxyEvent(method, path, body));
  return { status: result.statusCode, body: JSON.parse(result.body) as Record<string, unknown> };
};

beforeAll(async () => {
  redis = createRedisClient({ host: local.redisHost, port: local.redisPort, db: local.testRedisDb, tls: false });
  await redis.connect();
  pool = new pg.Pool({ connectionString: databaseUrl() });
  await seedPostgres(pool);
  await redis.flushdb();
  await seedRedis(redis);
  await establishStateEpoch(redis, pool);
  const env = localStoreEnv();
  admin = await createAdminApi(
    adminApiConfigSchema.parse({ ...env, KILL_EVENT_BUS_NAME: 'bus', KILL_NOTIFY_TOPIC_ARN: 'arn:aws:sns:x:1:t' }),
    { events: silent, notifier: silent },
  );
  adminRoute = createAdminRouter(admin.services);
  risk = await createRiskApi(riskApiConfigSchema.parse({ ...env, REDIS_COMMAND_TIMEOUT_MS: '1000' }));
  riskRoute = createRouter(risk.ports, 'local');
  rebuild = await createStateRebuildApp(stateRebuildConfigSchema.parse(env));
  // Other tests share this database: what they left engaged or tripped is durable, and not
  // this test's subject. Rebuilt first, so it is in the cache to be released.
  await rebuild.run({ force: true });
  await releaseDurableControls(adminCall, ['BTC/USD']);
});

afterAll(async () => {
  await redis.del(REDIS_KEYS.killSwitchGlobal, REDIS_KEYS.killSwitchRelease('global', '*'));
  await rebuild.close();
  await risk.close();
  await admin.close();
  redis.disconnect();
  await pool.end();
});

describe('System: cache loss under an engaged kill switch', () => {
  it('never accepts while the cache is empty or after its rebuild, until two approvers release', async () => {
    // Prepare: a fresh mark (kept fresh by the stream below) and the global kill switch engaged
    const freshMark = () => writeMark(redis, 'BTC/USD', '64999.5', '65000.5', Date.now(), { mid: '65000' });
    await freshMark();
    expect((await validate()).decision).toBe('accept');
    const engaged = await adminCall('POST', '/v1/admin/kill-switch', {
      scope: 'global',
      reason: 'drill',
      actor: 'alice',
    });
    expect(engaged.status).toBe(200);

    // A steady stream of validations from here to the release
    const seen: { decision: string; code: string | undefined }[] = [];
    let streaming = true;
    const stream = (async () => {
      while (streaming) {
        await freshMark().catch(() => undefined);
        const d = await validate();
        seen.push({ decision: d.decision, code: d.reasons[0]?.code });
      }
    })();

    // Act: the cache is lost, comes back empty, is rebuilt
    await new Promise((resolve) => setTimeout(resolve, 100));
    await redis.flushdb();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const status = await adminCall('GET', '/v1/admin/kill-switch');
    const outcome = await rebuild.run();
    await new Promise((resolve) => setTimeout(resolve, 200));
    streaming = false;
    await stream;

    // Assess: not one accept; the empty cache refused, the rebuilt one says why
    expect(seen.length).toBeGreaterThan(10);
    expect(seen.filter((d) => d.decision === 'accept')).toEqual([]);
    expect(seen.map((d) => d.code)).toContain('RISK_STATE_UNAVAILABLE');
    expect(seen.at(-1)?.code).toBe('KILL_SWITCH_ACTIVE');
    expect(status).toMatchObject({ status: 503, body: { code: 'STATE_NOT_REBUILT' } });
    expect(outcome).toMatchObject({ action: 'rebuilt', trigger: 'missing', restored: { killSwitchesEngaged: 1 } });

    // Act: the two-person release
    const first = await adminCall('POST', '/v1/admin/kill-switch/release', {
      scope: 'global',
      actor: 'alice',
      reason: 'drill complete',
    });
    const second = await adminCall('POST', '/v1/admin/kill-switch/release', {
      scope: 'global',
      actor: 'bob',
      reason: 'drill complete',
    });
    // The stream above sent far more than the account's 50 orders a second (rejections count
    // toward the rate, as they should): let that window pass so the last check is about the
    // kill switch alone.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await freshMark();

    // Assess
    expect(first.status).toBe(202);
    expect(second.status).toBe(200);
    const after = await validate();
    expect(after, JSON.stringify(after.reasons)).toMatchObject({ decision: 'accept' });
  });
});
