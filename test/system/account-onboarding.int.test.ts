import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdminApi, createAdminApi } from '../../functions/admin-api/app.js';
import { adminApiConfigSchema } from '../../functions/admin-api/config.js';
import { createAdminRouter } from '../../functions/admin-api/router.js';
import { createRiskApi, type RiskApi } from '../../functions/risk-api/app.js';
import { riskApiConfigSchema } from '../../functions/risk-api/config.js';
import { createRouter } from '../../functions/risk-api/router.js';
import { createRedisClient } from '../../shared/adapters/redis/client.js';
import { orderBody } from '../../shared/domain/risk/fixtures.js';
import { local, localStoreEnv } from '../local-env.js';
import { proxyEvent, writeMark } from '../risk-fixtures.js';
import { seedRedis } from '../support/seed.js';
import { establishStateEpoch } from '../support/state-epoch.js';

/**
 * Day one in production (issue #18): an account that exists only because a risk manager
 * created it through the admin API, with no seed row, is decided on: unknown until a second
 * risk manager applies its first limits, then accepted within them and rejected past them,
 * rejected while disabled, accepted again once re-enabled. Admin API and risk API on the
 * same PostgreSQL and Redis, as deployed.
 */
const accountId = `onb-${randomUUID().slice(0, 8)}`;
let redis: Redis;
let admin: AdminApi;
let riskApi: RiskApi;
let adminRoute: ReturnType<typeof createAdminRouter>;
let riskRoute: ReturnType<typeof createRouter>;

const admin$ = async (method: string, path: string, body?: unknown) => {
  const result = await adminRoute(proxyEvent(method, path, body));
  return { status: result.statusCode, body: JSON.parse(result.body) };
};
const validate = async (overrides: Record<string, unknown> = {}) => {
  const result = await riskRoute(
    proxyEvent('POST', '/v1/risk/validate', orderBody({ account_id: accountId, quantity: '0.01', ...overrides })),
  );
  return JSON.parse(result.body) as { decision: string; reasons: { code: string }[] };
};
const codes = (decision: { reasons: { code: string }[] }) => decision.reasons.map((r) => r.code);
// The risk API reads limits through a cache; its TTL here is 1 ms.
const afterCache = () => new Promise((resolve) => setTimeout(resolve, 5));

beforeAll(async () => {
  const storeEnv = localStoreEnv();
  redis = createRedisClient({ host: local.redisHost, port: local.redisPort, db: local.testRedisDb, tls: false });
  await redis.connect();
  admin = await createAdminApi(
    adminApiConfigSchema.parse({
      ...storeEnv,
      // No kill switch is engaged here: the channels are never called.
      KILL_EVENT_BUS_NAME: 'unused',
      KILL_NOTIFY_TOPIC_ARN: 'arn:aws:sns:eu-west-1:000000000000:unused',
    }),
  );
  adminRoute = createAdminRouter(admin.services);
  riskApi = await createRiskApi(riskApiConfigSchema.parse({ ...storeEnv, LIMITS_CACHE_TTL_MS: '1' }));
  riskRoute = createRouter(riskApi.ports, 'local');
  // Market state only (instruments, universe, a fresh mark): no account is seeded.
  await seedRedis(redis);
  await establishStateEpoch(redis, admin.pool);
  await writeMark(redis, 'BTC/USD', '64999.5', '65000.5', Date.now() + 600_000, { mid: '65000' });
});

afterAll(async () => {
  await admin?.close();
  await riskApi?.close();
  redis?.disconnect();
});

describe('Accounts through the admin API, decided on by the risk API', () => {
  it('an account created through the admin API is decided on (accept within its limits) without any seed', async () => {
    // Prepare
    const created = await admin$('POST', '/v1/admin/accounts', {
      account_id: accountId,
      display_name: 'Onboarding desk',
      kind: 'strategy',
      limits: { nav: '250000', max_order_notional: '10000' },
      actor: 'alice',
      reason: 'day one',
    });
    const proposalId = created.body.proposal_id as string;
    const apply = (actor: string) =>
      admin$('POST', `/v1/admin/accounts/${accountId}/limits/proposals/${proposalId}/apply`, { actor });

    // Act
    const beforeLimits = await validate();
    const byProposer = await apply('alice');
    const bySecond = await apply('bob');
    await afterCache();
    const within = await validate();
    const past = await validate({ quantity: '0.5' });

    // Assess
    expect(created.status).toBe(201);
    expect(beforeLimits).toMatchObject({ decision: 'reject' });
    expect(codes(beforeLimits)).toEqual(['UNKNOWN_ACCOUNT']);
    expect(byProposer).toMatchObject({ status: 409, body: { code: 'SECOND_APPROVER_REQUIRED' } });
    expect(bySecond).toMatchObject({ status: 200, body: { version: 1 } });
    expect(within.decision, JSON.stringify(within)).toBe('accept');
    expect(past.decision).toBe('reject');
    expect(codes(past)).toContain('MAX_ORDER_NOTIONAL');
  });

  it('rejects a disabled account ACCOUNT_DISABLED and accepts it again once re-enabled, both on record', async () => {
    // Act
    const disabled = await admin$('POST', `/v1/admin/accounts/${accountId}/disable`, {
      actor: 'carol',
      reason: 'limit breach',
    });
    await afterCache();
    const whileDisabled = await validate();
    await admin$('POST', `/v1/admin/accounts/${accountId}/enable`, { actor: 'bob', reason: 'cleared' });
    await afterCache();
    const reEnabled = await validate();
    const shown = await admin$('GET', `/v1/admin/accounts/${accountId}`);

    // Assess
    expect(disabled).toMatchObject({ status: 200, body: { changed: true, account: { readiness: 'disabled' } } });
    expect(codes(whileDisabled)).toEqual(['ACCOUNT_DISABLED']);
    expect(reEnabled.decision).toBe('accept');
    expect(shown.body.account.readiness).toBe('trading');
    expect(shown.body.history.map((h: { action: string; actor: string }) => [h.action, h.actor])).toEqual([
      ['enable', 'bob'],
      ['disable', 'carol'],
      ['create', 'alice'],
    ]);
  });
});
