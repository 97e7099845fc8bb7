import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisBreakerStore } from '../../../shared/adapters/breakers/breaker-store.js';
import { createRedisClient, redisConfigFromUrl } from '../../../shared/adapters/redis/client.js';
import { encodeMark } from '../../../shared/adapters/redis/mark-hash.js';
import { encodeReferencePrice } from '../../../shared/adapters/redis/reference-price-hash.js';
import { REDIS_KEYS } from '../../../shared/names.js';
import { redisUrl } from '../../../test/local-env.js';
import { RedisMarketOverview } from './redis-market-overview.js';

/**
 * The console's market overview on the real Redis, written through the same codecs the
 * ingester, the reference-prices job and the evaluator write with. The symbols are this
 * file's own, added to the universe for the test and removed after (files run one at a time).
 */
const tag = randomUUID()
  .slice(0, 6)
  .toUpperCase()
  .replace(/[^A-Z0-9]/g, 'X');
const marked = `MK${tag}/USD`;
const bare = `NM${tag}/USD`;
const NOW = Date.now();
let redis: Redis;

beforeAll(async () => {
  redis = createRedisClient({ ...redisConfigFromUrl(redisUrl()), commandTimeoutMs: 5_000 });
  await redis.connect();
  await redis.sadd(REDIS_KEYS.universe, marked, bare);
});

afterAll(async () => {
  await redis.srem(REDIS_KEYS.universe, marked, bare);
  await redis.del(REDIS_KEYS.mark(marked), REDIS_KEYS.referencePrice(marked), REDIS_KEYS.breaker(marked));
  redis.disconnect();
});

describe('Class: RedisMarketOverview', () => {
  describe('Method: overview', () => {
    it('shows each universe symbol as the risk API reads it: mark and its age, reference, breaker causes', async () => {
      // Prepare
      await redis.hset(
        REDIS_KEYS.mark(marked),
        encodeMark({
          symbol: marked,
          bid: '99.5',
          ask: '100.5',
          mid: '100',
          spread_bps: '100',
          last: '',
          exchange_ts_ms: String(NOW - 2_500),
          receive_ts_ms: String(NOW - 2_400),
          status: 'live',
          verified_ts_ms: String(NOW - 1_200),
        }),
      );
      await redis.hset(
        REDIS_KEYS.referencePrice(marked),
        encodeReferencePrice({ price: '100.2', updatedAtMs: NOW - 30_000 }),
      );
      await new RedisBreakerStore(redis).apply([
        {
          symbol: marked,
          cause: 'spread',
          tripped: true,
          reason: 'spread 100 bps over 50',
          atMs: NOW - 5_000,
          value: '100',
          threshold: '50',
          sourceId: `overview-${tag}`,
        },
      ]);

      // Act
      const overview = await new RedisMarketOverview(redis).overview(NOW);

      // Assess
      const withMark = overview.symbols.find((s) => s.symbol === marked);
      const withoutMark = overview.symbols.find((s) => s.symbol === bare);
      expect(withMark).toEqual({
        symbol: marked,
        // The age the stale-data rule measures: from the later of receive and verification.
        mark: { bid: '99.5', ask: '100.5', mid: '100', spread_bps: '100', age_ms: 1_200, live: true },
        reference: { price: '100.2', age_ms: 30_000 },
        breaker: {
          state: 'tripped',
          causes: ['spread'],
          reason: expect.stringContaining('spread 100 bps'),
          since: new Date(NOW - 5_000).toISOString(),
        },
        in_universe: true,
      });
      expect(withoutMark).toMatchObject({ mark: null, reference: null, breaker: { state: 'clear', causes: [] } });
      expect(overview.as_of).toBe(new Date(NOW).toISOString());
    });
  });
});
