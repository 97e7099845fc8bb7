import type { Context } from 'aws-lambda';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRedisClient } from '../../shared/adapters/redis/client.js';
import { REDIS_KEYS } from '../../shared/names.js';
import { local, localStoreEnv } from '../../test/local-env.js';

/**
 * The scheduled handler through the whole middy chain (config parsed from the environment
 * at cold start), on real Redis and PostgreSQL: a run on a cache without an epoch rebuilds
 * it, the next run finds it current and does nothing.
 */
let redis: Redis;
const context = {
  functionName: 'state-rebuild',
  awsRequestId: 'it-1',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:state-rebuild',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

beforeAll(async () => {
  redis = createRedisClient({ host: local.redisHost, port: local.redisPort, db: local.testRedisDb, tls: false });
  await redis.connect();
  for (const [key, value] of Object.entries({
    ...localStoreEnv('stateRebuild'),
    POWERTOOLS_DEV: 'true',
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  }))
    vi.stubEnv(key, value);
});

afterAll(() => {
  redis.disconnect();
  vi.unstubAllEnvs();
});

describe('Edge: state-rebuild handler (middy + Powertools)', () => {
  it('rebuilds a cache without an epoch, then leaves the current cache alone', async () => {
    // Prepare
    await redis.del(REDIS_KEYS.stateEpoch);
    vi.resetModules();
    const { handler } = await import('./handler.js');

    // Act
    const first = await handler({}, context);
    const second = await handler({}, context);

    // Assess
    expect(first).toMatchObject({ action: 'rebuilt', trigger: 'missing' });
    expect(second).toMatchObject({ action: 'skipped' });
    expect(await redis.exists(REDIS_KEYS.stateEpoch)).toBe(1);
  });
});
