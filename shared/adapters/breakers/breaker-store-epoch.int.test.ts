import type { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { databaseUrl, redisUrl } from '../../../test/local-env.js';
import { establishStateEpoch } from '../../../test/support/state-epoch.js';
import type { BreakerTransition } from '../../domain/breakers/hysteresis.js';
import { StateUnavailableError } from '../../domain/errors.js';
import { StateEpochMissingError } from '../../domain/state-epoch.js';
import { REDIS_KEYS } from '../../names.js';
import { PostgresStateGenerations } from '../postgres/state-generation.js';
import { createRedisClient, redisConfigFromUrl } from '../redis/client.js';
import { ReplicaAckShortfallError } from '../redis/replica-acks.js';
import { StateEpochStore } from '../state-epoch.js';
import { RedisBreakerStore } from './breaker-store.js';

/** The breaker store with the state epoch, on real Redis and PostgreSQL. */
let redis: Redis;
let pool: pg.Pool;
let generations: PostgresStateGenerations;
const SYMBOL = 'EPOCH/USD';

const transition = (tripped: boolean): BreakerTransition => ({
  symbol: SYMBOL,
  cause: 'volatility',
  tripped,
  reason: tripped ? 'vol 120 bps >= 100' : 'vol 30 bps < 40',
  atMs: Date.now(),
  value: tripped ? '120' : '30',
  threshold: tripped ? '100' : '40',
  sourceId: `seq-${tripped ? 1 : 2}`,
});

beforeAll(async () => {
  redis = createRedisClient({ ...redisConfigFromUrl(redisUrl()), commandTimeoutMs: 2_000 });
  await redis.connect();
  pool = new pg.Pool({ connectionString: databaseUrl() });
  generations = new PostgresStateGenerations(pool);
});

afterAll(async () => {
  await redis.del(REDIS_KEYS.breaker(SYMBOL), REDIS_KEYS.stateEpoch);
  redis.disconnect();
  await pool.end();
});

beforeEach(async () => {
  await redis.del(REDIS_KEYS.breaker(SYMBOL));
  await establishStateEpoch(redis, pool);
});

describe('Class: RedisBreakerStore', () => {
  describe('Method: apply', () => {
    it('records a trip as a new generation and raises the epoch to it; a clear moves nothing', async () => {
      // Prepare
      const store = new RedisBreakerStore(redis, { epoch: new StateEpochStore(redis, generations) });
      const before = await generations.current();

      // Act
      await store.apply([transition(true)]);
      const afterTrip = await generations.current();
      await store.apply([transition(false)]);

      // Assess
      expect(afterTrip).toBe(before + 1);
      expect(await generations.current()).toBe(afterTrip);
      expect(await redis.hget(REDIS_KEYS.stateEpoch, 'generation')).toBe(String(afterTrip));
    });

    it('fails a trip no replica acknowledged, so the batch is retried (the trip stands)', async () => {
      // Prepare: the local Redis has no replica
      const store = new RedisBreakerStore(redis, { minReplicaAcks: 1, replicaAckTimeoutMs: 20 });

      // Act & Assess
      await expect(store.apply([transition(true)])).rejects.toBeInstanceOf(ReplicaAckShortfallError);
      expect(await redis.hget(REDIS_KEYS.breaker(SYMBOL), 'state')).toBe('tripped');
    });
  });

  describe('Method: tripped / reset', () => {
    it('refuse a cache without an epoch: an empty cache would reset nothing', async () => {
      // Prepare
      const store = new RedisBreakerStore(redis, { epoch: new StateEpochStore(redis, generations) });
      await store.apply([transition(true)]);
      await redis.del(REDIS_KEYS.stateEpoch);

      // Act & Assess
      await expect(store.tripped(SYMBOL)).rejects.toBeInstanceOf(StateEpochMissingError);
      await expect(store.reset(SYMBOL, 'operator', Date.now())).rejects.toBeInstanceOf(StateUnavailableError);
      expect(await redis.hget(REDIS_KEYS.breaker(SYMBOL), 'state')).toBe('tripped');
    });
  });
});
