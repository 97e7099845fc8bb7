import type { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PostgresStateGenerations } from '../../../shared/adapters/postgres/state-generation.js';
import { createRedisClient, redisConfigFromUrl } from '../../../shared/adapters/redis/client.js';
import { ReplicaAckShortfallError } from '../../../shared/adapters/redis/replica-acks.js';
import { StateEpochStore } from '../../../shared/adapters/state-epoch.js';
import type { KillSwitchState } from '../../../shared/domain/controls/kill-switch.js';
import { StateEpochMissingError } from '../../../shared/domain/state-epoch.js';
import { REDIS_KEYS } from '../../../shared/names.js';
import { databaseUrl, redisUrl } from '../../../test/local-env.js';
import { establishStateEpoch } from '../../../test/support/state-epoch.js';
import { toAdminHttpError } from '../http-errors.js';
import { RedisKillSwitchStore } from './redis-kill-switch.js';

/**
 * The kill switch store with the state epoch, on real Redis and PostgreSQL: every engage and
 * release advances the durable generation and raises the cache's epoch to it (so a cache
 * restored from before it is found behind), and reads refuse a cache that was not rebuilt
 * (an empty cache would say "nothing engaged").
 */
let redis: Redis;
let pool: pg.Pool;
let generations: PostgresStateGenerations;

const state = (eventId: string): KillSwitchState => ({
  scope: 'global',
  target: '*',
  engaged: true,
  reason: 'drill',
  actor: 'alice',
  sinceMs: Date.now(),
  allowReduceOnly: false,
  eventId,
});

beforeAll(async () => {
  redis = createRedisClient({ ...redisConfigFromUrl(redisUrl()), commandTimeoutMs: 2_000 });
  await redis.connect();
  pool = new pg.Pool({ connectionString: databaseUrl() });
  generations = new PostgresStateGenerations(pool);
});

afterAll(async () => {
  await redis.del(REDIS_KEYS.killSwitchGlobal, REDIS_KEYS.stateEpoch);
  redis.disconnect();
  await pool.end();
});

beforeEach(async () => {
  await redis.del(REDIS_KEYS.killSwitchGlobal, REDIS_KEYS.killSwitchRelease('global', '*'));
  await establishStateEpoch(redis, pool);
});

describe('Class: RedisKillSwitchStore', () => {
  describe('Method: engage / release', () => {
    it('advances the durable generation and the epoch on engage and again on release', async () => {
      // Prepare
      const store = new RedisKillSwitchStore(redis, { epoch: new StateEpochStore(redis, generations) });
      const before = await generations.current();

      // Act
      await store.engage(state('00000000-0000-4000-8000-00000000e001'));
      const afterEngage = await generations.current();
      const epochAfterEngage = await redis.hget(REDIS_KEYS.stateEpoch, 'generation');
      await store.release('global', '*');

      // Assess
      expect(afterEngage).toBe(before + 1);
      expect(epochAfterEngage).toBe(String(afterEngage));
      expect(await generations.current()).toBe(before + 2);
      expect(await redis.hget(REDIS_KEYS.stateEpoch, 'generation')).toBe(String(before + 2));
    });

    it('engages on a cache that was not rebuilt, advancing PostgreSQL only (the rebuild restores it from the log)', async () => {
      // Prepare
      const store = new RedisKillSwitchStore(redis, { epoch: new StateEpochStore(redis, generations) });
      await redis.del(REDIS_KEYS.stateEpoch);
      const before = await generations.current();

      // Act
      await store.engage(state('00000000-0000-4000-8000-00000000e002'));

      // Assess
      expect(await redis.hget(REDIS_KEYS.killSwitchGlobal, 'engaged')).toBe('1');
      expect(await generations.current()).toBe(before + 1);
      expect(await redis.exists(REDIS_KEYS.stateEpoch)).toBe(0);
    });

    it('keeps an engage that no replica acknowledged, and says so', async () => {
      // Prepare: the local Redis has no replica, so WAIT 1 answers 0
      const gaps: { what: string; error: unknown }[] = [];
      const store = new RedisKillSwitchStore(redis, {
        minReplicaAcks: 1,
        replicaAckTimeoutMs: 20,
        onDurabilityGap: (what, error) => gaps.push({ what, error }),
      });

      // Act
      await store.engage(state('00000000-0000-4000-8000-00000000e003'));

      // Assess
      expect(await redis.hget(REDIS_KEYS.killSwitchGlobal, 'engaged')).toBe('1');
      expect(gaps).toHaveLength(1);
      expect(gaps[0]?.what).toBe('kill_switch_engage: replicas');
      expect(gaps[0]?.error).toBeInstanceOf(ReplicaAckShortfallError);
    });
  });

  describe('Method: get / list / approvals', () => {
    it('refuse a cache without an epoch, which the admin edge answers 503 STATE_NOT_REBUILT', async () => {
      // Prepare
      const store = new RedisKillSwitchStore(redis, { epoch: new StateEpochStore(redis, generations) });
      await store.engage(state('00000000-0000-4000-8000-00000000e004'));
      await redis.del(REDIS_KEYS.stateEpoch);

      // Act
      const reads = await Promise.allSettled([store.get('global', '*'), store.list(), store.approvals('global', '*')]);

      // Assess
      for (const read of reads) {
        expect(read.status).toBe('rejected');
        const error = (read as PromiseRejectedResult).reason;
        expect(error).toBeInstanceOf(StateEpochMissingError);
        expect(toAdminHttpError(error)).toMatchObject({ statusCode: 503, code: 'STATE_NOT_REBUILT' });
      }
    });

    it('read the switch on a rebuilt cache', async () => {
      // Prepare
      const store = new RedisKillSwitchStore(redis, { epoch: new StateEpochStore(redis, generations) });
      await store.engage(state('00000000-0000-4000-8000-00000000e005'));

      // Act
      const listed = await store.list();

      // Assess
      expect(listed.map((s) => s.eventId)).toContain('00000000-0000-4000-8000-00000000e005');
    });
  });
});
