import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { EventPublisher } from '../../shared/domain/controls/ports.js';
import { AccountKeyReader } from './adapters/account-key-reader.js';
import { PostgresAccountDirectory, PostgresKillActionLog } from './adapters/postgres-kill-actions.js';
import { RedisPositionMirror } from './adapters/redis-positions.js';
import type { ExecuteKillDeps } from './execute-kill.js';
import type { KrakenCanceller, KrakenKeyReader } from './ports.js';

export interface KillExecutorWiring {
  readonly pool: pg.Pool;
  readonly redis: Redis;
  readonly kraken: KrakenCanceller;
  readonly keys: KrakenKeyReader;
  readonly events: EventPublisher;
  readonly sleep: (ms: number) => Promise<void>;
  /** @default 4 */
  readonly maxAttempts?: number;
  /** @default 0 (do not arm the dead man's switch) */
  readonly deadMansSwitchSeconds?: number;
}

/**
 * Composition root of the kill executor: the Postgres and Redis adapters behind the ports
 * of {@link executeKill}. The Lambda handler and local mode both build their executor here.
 */
export function killExecutorPorts(wiring: KillExecutorWiring): ExecuteKillDeps {
  const { pool, redis, keys, ...rest } = wiring;
  return {
    ...rest,
    keys: new AccountKeyReader(pool, keys),
    accounts: new PostgresAccountDirectory(pool),
    positions: new RedisPositionMirror(redis),
    actions: new PostgresKillActionLog(pool),
  };
}
