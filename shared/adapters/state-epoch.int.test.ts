import type { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { databaseUrl, redisUrl } from '../../test/local-env.js';
import { StateEpochBehindError, StateEpochMissingError } from '../domain/state-epoch.js';
import { REDIS_KEYS } from '../names.js';
import { PostgresStateGenerations } from './postgres/state-generation.js';
import { createRedisClient, redisConfigFromUrl } from './redis/client.js';
import { StateEpochStore } from './state-epoch.js';

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
  await redis.del(REDIS_KEYS.stateEpoch);
});

describe('Class: StateEpochStore', () => {
  describe('Method: advance', () => {
    it('advances the durable generation and raises the epoch of a rebuilt cache to it', async () => {
      // Prepare
      const store = new StateEpochStore(redis, generations);
      await store.write({ generation: await generations.current(), writtenAtMs: Date.now(), writtenBy: 'test' });

      // Act
      const generation = await store.advance('kill_switch_engage', 'global *');

      // Assess
      expect(generation).toBe(await generations.current());
      expect((await store.read())?.generation).toBe(generation);
    });

    it('never creates an epoch: a cache that was not rebuilt stays unserved', async () => {
      // Prepare
      const store = new StateEpochStore(redis, generations);

      // Act
      const generation = await store.advance('breaker_trip', 'BTC/USD volatility');

      // Assess
      expect(generation).toBeGreaterThan(0);
      expect(await redis.exists(REDIS_KEYS.stateEpoch)).toBe(0);
      await expect(store.requirePresent()).rejects.toBeInstanceOf(StateEpochMissingError);
    });

    it('never lowers the generation of an epoch already ahead', async () => {
      // Prepare
      const store = new StateEpochStore(redis, generations);
      const ahead = (await generations.current()) + 1_000;
      await store.write({ generation: ahead, writtenAtMs: Date.now(), writtenBy: 'test' });

      // Act
      await store.advance('kill_switch_release', 'global *');

      // Assess
      expect((await store.read())?.generation).toBe(ahead);
    });
  });

  describe('Method: verify', () => {
    it('drops the epoch of a cache that missed a change older than the grace period', async () => {
      // Prepare: a cache restored from before the last engage (its generation is older)
      const store = new StateEpochStore(redis, generations, { graceMs: 0 });
      const before = await generations.current();
      await store.write({ generation: before, writtenAtMs: Date.now(), writtenBy: 'test' });
      await generations.advance('kill_switch_engage', 'a change the cache never saw');

      // Act & Assess
      await expect(store.requireCurrent()).rejects.toBeInstanceOf(StateEpochBehindError);
      expect(await redis.exists(REDIS_KEYS.stateEpoch)).toBe(0);
      await expect(store.requireCurrent()).rejects.toBeInstanceOf(StateEpochMissingError);
    });

    it('leaves a cache alone while the change it has not seen is younger than the grace period', async () => {
      // Prepare: a change in flight has advanced PostgreSQL, its raise has not landed yet
      const store = new StateEpochStore(redis, generations, { graceMs: 60_000 });
      const before = await generations.current();
      await store.write({ generation: before, writtenAtMs: Date.now(), writtenBy: 'test' });
      await generations.advance('kill_switch_engage', 'in flight');

      // Act
      const verdict = await store.verify();

      // Assess
      expect(verdict).toEqual({ kind: 'current', generation: before });
      expect(await redis.exists(REDIS_KEYS.stateEpoch)).toBe(1);
    });

    it('serves a cache that has seen every change', async () => {
      // Prepare
      const store = new StateEpochStore(redis, generations, { graceMs: 0 });
      await store.write({ generation: 0, writtenAtMs: Date.now(), writtenBy: 'test' });
      await store.advance('kill_switch_engage', 'seen');

      // Act & Assess
      expect(await store.requireCurrent()).toBe(await generations.current());
    });
  });
});
