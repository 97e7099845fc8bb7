import type { Redis } from 'ioredis';
import pg from 'pg';
import { PostgresStateGenerations } from '../../shared/adapters/postgres/state-generation.js';
import { encodeStateEpoch } from '../../shared/adapters/redis/state-epoch.js';
import { REDIS_KEYS } from '../../shared/names.js';
import { databaseUrl } from '../local-env.js';

/**
 * For tests that set Redis up by hand (flush, seed, write marks): writes the state epoch
 * the rebuild would write last, at the durable generation PostgreSQL holds now, so the
 * readers serve the cache (without it every order is rejected RISK_STATE_UNAVAILABLE, and
 * with an older generation the evaluator would drop it as behind). Reads the generation
 * through `pool`, or the test database when none is given. Returns the generation.
 * Tests of the rebuild itself run the rebuild instead.
 */
export async function establishStateEpoch(redis: Redis, pool?: pg.Pool): Promise<number> {
  const own = pool ? null : new pg.Pool({ connectionString: databaseUrl(), max: 1 });
  try {
    const generation = await new PostgresStateGenerations(pool ?? (own as pg.Pool)).current();
    await redis.hset(
      REDIS_KEYS.stateEpoch,
      encodeStateEpoch({ generation, writtenAtMs: Date.now(), writtenBy: 'test' }),
    );
    return generation;
  } finally {
    await own?.end();
  }
}
