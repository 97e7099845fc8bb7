import type { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PostgresStateGenerations } from '../../../shared/adapters/postgres/state-generation.js';
import { createRedisClient, redisConfigFromUrl } from '../../../shared/adapters/redis/client.js';
import { StateEpochStore } from '../../../shared/adapters/state-epoch.js';
import { StateEpochBehindError, StateEpochMissingError } from '../../../shared/domain/state-epoch.js';
import { REDIS_KEYS } from '../../../shared/names.js';
import { databaseUrl, redisUrl } from '../../../test/local-env.js';
import { establishStateEpoch } from '../../../test/support/state-epoch.js';
import { RedisEvaluatorStateStore } from './redis-evaluator-state.js';

/**
 * The evaluator refuses a batch on a cache that was not rebuilt, and finds (and drops) the
 * epoch of a cache behind the durable generation: the comparison that runs beside the risk
 * API, which cannot ask PostgreSQL on every decision. Real Redis and PostgreSQL.
 */
let redis: Redis;
let pool: pg.Pool;
let generations: PostgresStateGenerations;

beforeAll(async () => {
  redis = createRedisClient({ ...redisConfigFromUrl(redisUrl()), commandTimeoutMs: 2_000 });
  await redis.connect();
  pool = new pg.Pool({ connectionString: databaseUrl() });
  generations = new PostgresStateGenerations(pool);
});

afterAll(async () => {
  await redis.del(REDIS_KEYS.stateEpoch);
  redis.disconnect();
  await pool.end();
});

beforeEach(async () => {
  await establishStateEpoch(redis, pool);
});

function evaluatorState(graceMs: number) {
  return new RedisEvaluatorStateStore(redis, { epoch: new StateEpochStore(redis, generations, { graceMs }) });
}

describe('Class: RedisEvaluatorStateStore', () => {
  describe('Method: load', () => {
    it('loads on a current cache', async () => {
      await expect(evaluatorState(1).load(['BTC/USD'])).resolves.toBeInstanceOf(Map);
    });

    it('refuses a cache without an epoch', async () => {
      // Prepare
      await redis.del(REDIS_KEYS.stateEpoch);

      // Act & Assess
      await expect(evaluatorState(1).load(['BTC/USD'])).rejects.toBeInstanceOf(StateEpochMissingError);
    });

    it('finds a cache restored from before the last engage, drops its epoch and refuses it', async () => {
      // Prepare: an engage the cache never saw (its generation is now older than PostgreSQL's)
      await generations.advance('kill_switch_engage', 'global * (lost by a failover)');
      await new Promise((resolve) => setTimeout(resolve, 20));

      // Act & Assess
      await expect(evaluatorState(1).load(['BTC/USD'])).rejects.toBeInstanceOf(StateEpochBehindError);
      expect(await redis.exists(REDIS_KEYS.stateEpoch)).toBe(0);
    });
  });
});
