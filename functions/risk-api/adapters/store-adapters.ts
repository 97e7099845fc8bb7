import type { Redis } from 'ioredis';
import type pg from 'pg';
import { PostgresDecisionAuditWriter } from '../../../shared/adapters/postgres/decision-audit.js';
import { connectStores } from '../../../shared/adapters/stores.js';
import { boundaryMinutes } from '../../../shared/config/env.js';
import type { RiskApiConfig } from '../config.js';
import type { RiskApiAdapters } from '../ports.js';
import { PostgresDecisionQuery, PostgresLimitsSource } from './postgres-risk.js';
import { type RedisRiskStateOptions, RedisRiskStateStore } from './redis-risk-state.js';

/** The risk API's adapters over Redis and PostgreSQL, with the connections they share. */
export interface StoreRiskAdapters extends RiskApiAdapters {
  readonly redis: Redis;
  readonly pool: pg.Pool;
}

const PING_TIMEOUT_MS = 200;

/**
 * Connects Redis and PostgreSQL (secrets from Secrets Manager) and builds the adapters on
 * them. A cold start with Redis down still completes: decisions fail closed per request.
 */
export async function connectRiskStores(
  config: RiskApiConfig,
  hooks: Pick<
    RedisRiskStateOptions,
    'onStateEpochMissing' | 'onReservationsExpired' | 'onReplicaAckShortfall' | 'onDurableAuditFailed'
  > = {},
): Promise<StoreRiskAdapters> {
  const stores = await connectStores(config);
  const { redis, pool } = stores;
  const decisions = new PostgresDecisionQuery(pool);
  const fallbackAudit = new PostgresDecisionAuditWriter(pool);
  const state = new RedisRiskStateStore(redis, {
    durableAudit: fallbackAudit,
    minReplicaAcks: config.AUDIT_MIN_REPLICA_ACKS,
    replicaAckTimeoutMs: config.AUDIT_REPLICA_ACK_TIMEOUT_MS,
    tradingDayBoundaryMinutes: boundaryMinutes(config.TRADING_DAY_BOUNDARY_UTC),
    accountFeed: { required: config.ACCOUNT_FEED_REQUIRED, maxAgeMs: config.ACCOUNT_FEED_MAX_AGE_MS },
    ...hooks,
  });
  return {
    state,
    exposure: { load: (accountId, nowMs) => state.loadExposure(accountId, nowMs) },
    limits: new PostgresLimitsSource(pool),
    fallbackAudit,
    decisions,
    health: async () => {
      const [redisOk, postgresOk] = await Promise.all([
        withTimeout(redis.ping(), PING_TIMEOUT_MS),
        withTimeout(decisions.ping(), PING_TIMEOUT_MS),
      ]);
      // Redis is required for any decision; Postgres only for limits refresh and audit copy.
      return { healthy: redisOk, checks: { redis: redisOk ? 'ok' : 'down', postgres: postgresOk ? 'ok' : 'down' } };
    },
    redis,
    pool,
    close: stores.close,
  };
}

async function withTimeout(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => false,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
