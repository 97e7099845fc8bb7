import type { Context } from 'aws-lambda';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRedisClient } from '../../shared/adapters/redis/client.js';
import { decodeReferencePrice } from '../../shared/adapters/redis/reference-price-hash.js';
import { REDIS_KEYS } from '../../shared/names.js';
import { FakeCoinGecko } from '../../test/fakes/coingecko/server.js';
import { local, localStoreEnv } from '../../test/local-env.js';

/** The reference-prices Lambda as deployed: config from the environment at cold start, the whole middy chain. */
const fake = new FakeCoinGecko();
let redis: Redis;

const context = {
  functionName: 'reference-prices',
  awsRequestId: 'it-reference-prices',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:000000000000:function:reference-prices',
  getRemainingTimeInMillis: () => 5_000,
} as unknown as Context;

beforeAll(async () => {
  await fake.start();
  redis = createRedisClient({ host: local.redisHost, port: local.redisPort, db: local.testRedisDb, tls: false });
  await redis.connect();
  await redis.flushdb();
});

afterAll(async () => {
  redis.disconnect();
  vi.unstubAllEnvs();
  await fake.stop();
});

describe('Handler: reference-prices', () => {
  it('refreshes the reference prices from the fake CoinGecko through the whole middy chain', async () => {
    // Prepare
    const env = {
      ...localStoreEnv('referencePrices'),
      COINGECKO_BASE_URL: fake.baseUrl,
      REFERENCE_COINS: 'BTC/USD=bitcoin,ETH/USD=ethereum',
      POWERTOOLS_DEV: 'true',
      POWERTOOLS_TRACE_ENABLED: 'false',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    };
    for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value);
    vi.resetModules();
    const { handler } = await import('./handler.js');

    // Act
    const result = await handler({}, context);

    // Assess
    expect(result).toEqual({ outcome: 'refreshed' });
    const btc = decodeReferencePrice(await redis.hgetall(REDIS_KEYS.referencePrice('BTC/USD')));
    expect(btc?.price.toString()).toBe('65000.5');
    expect(fake.requests[0]?.path).toBe('/api/v3/simple/price');
  });
});
