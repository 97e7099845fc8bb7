import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { connectStores } from '../../shared/adapters/stores.js';
import { boundaryMinutes } from '../../shared/config/env.js';
import { CachedLimitsSource } from '../../shared/domain/risk/cached-limits.js';
import type { AuditWriter, LimitsSource, RiskStateStore } from '../../shared/domain/risk/ports.js';
import { createValidateOrder, type ValidateOrderDeps } from '../../shared/domain/risk/validate-order.js';
import { AuditDrainer } from './adapters/audit-drainer.js';
import { MemoryAuditWriter, MemoryLimitsSource, MemoryRiskStateStore } from './adapters/memory.js';
import { PostgresAuditWriter, PostgresDecisionQuery, PostgresLimitsSource } from './adapters/postgres-risk.js';
import { RedisRiskStateStore } from './adapters/redis-risk-state.js';
import type { RiskApiConfig } from './config.js';
import type { RiskApiPorts } from './router.js';

/** The assembled service: ports for the router plus handles for shutdown and local mode. */
export interface RiskApi {
  readonly ports: RiskApiPorts;
  readonly store: RiskStateStore;
  readonly limits: CachedLimitsSource;
  readonly drainer: AuditDrainer | null;
  readonly memory: { store: MemoryRiskStateStore; limits: MemoryLimitsSource; audit: MemoryAuditWriter } | null;
  readonly redis: Redis | null;
  readonly pool: pg.Pool | null;
  close(): Promise<void>;
}

export interface RiskApiOverrides {
  readonly now?: () => number;
  readonly onIncident?: ValidateOrderDeps['onIncident'];
  readonly onDecision?: RiskApiPorts['onDecision'];
}

const PING_TIMEOUT_MS = 200;

/**
 * Composition root: builds adapters from config (Redis + Postgres, or in memory) and wires
 * the use cases. Secrets (Redis auth token, DB credentials) come from Secrets Manager.
 */
export async function createRiskApi(config: RiskApiConfig, overrides: RiskApiOverrides = {}): Promise<RiskApi> {
  const now = overrides.now ?? Date.now;
  if (config.RISK_STATE === 'memory') return createInMemory(config, now, overrides);

  const stores = await connectStores(config);
  const { redis, pool } = stores;

  const store = new RedisRiskStateStore(redis, {
    minReplicaAcks: config.AUDIT_MIN_REPLICA_ACKS,
    tradingDayBoundaryMinutes: boundaryMinutes(config.TRADING_DAY_BOUNDARY_UTC),
  });
  const audit = new PostgresAuditWriter(pool);
  const limits = new CachedLimitsSource(new PostgresLimitsSource(pool), {
    ttlMs: config.LIMITS_CACHE_TTL_MS,
    maxStaleMs: config.LIMITS_MAX_STALE_MS,
    now,
  });
  const decisions = new PostgresDecisionQuery(pool);
  const drainer = new AuditDrainer(redis, audit);

  return {
    ports: {
      validateOrder: wireValidate(limits, store, audit, now, overrides),
      recentDecisions: (accountId, limit) => decisions.recent(accountId, limit),
      health: async () => {
        const [redisOk, postgresOk] = await Promise.all([
          withTimeout(redis.ping(), PING_TIMEOUT_MS),
          withTimeout(pool.query('SELECT 1'), PING_TIMEOUT_MS),
        ]);
        // Redis is required for any decision; Postgres only for limits refresh and audit copy.
        return { healthy: redisOk, checks: { redis: redisOk ? 'ok' : 'down', postgres: postgresOk ? 'ok' : 'down' } };
      },
      onDecision: overrides.onDecision,
    },
    store,
    limits,
    drainer,
    memory: null,
    redis,
    pool,
    close: stores.close,
  };
}

function wireValidate(
  limits: LimitsSource,
  store: RiskStateStore,
  fallbackAudit: AuditWriter,
  now: () => number,
  overrides: RiskApiOverrides,
) {
  return createValidateOrder({
    limits,
    store,
    fallbackAudit,
    now,
    monotonicMicros: () => performance.now() * 1_000,
    newId: randomUUID,
    onIncident: overrides.onIncident,
  });
}

function createInMemory(config: RiskApiConfig, now: () => number, overrides: RiskApiOverrides): RiskApi {
  const audit = new MemoryAuditWriter();
  const source = new MemoryLimitsSource();
  const store = new MemoryRiskStateStore(audit, now);
  const limits = new CachedLimitsSource(source, {
    ttlMs: config.LIMITS_CACHE_TTL_MS,
    maxStaleMs: config.LIMITS_MAX_STALE_MS,
    now,
  });
  return {
    ports: {
      validateOrder: wireValidate(limits, store, audit, now, overrides),
      recentDecisions: async (accountId, limit) =>
        audit.records
          .filter((r) => r.accountId === accountId)
          .slice(-limit)
          .reverse()
          .map((r) => r.response),
      health: async () => ({ healthy: true, checks: { memory: 'ok' } }),
      onDecision: overrides.onDecision,
    },
    store,
    limits,
    drainer: null,
    memory: { store, limits: source, audit },
    redis: null,
    pool: null,
    close: async () => {},
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
