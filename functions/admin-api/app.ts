import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { EventBridgePublisher, SnsNotifier } from '../../shared/adapters/aws-channels.js';
import { createSecretsManagerClient } from '../../shared/adapters/aws-clients.js';
import { PostgresBreakerAudit, RedisBreakerStore } from '../../shared/adapters/breakers/breaker-store.js';
import { KrakenKeyStore } from '../../shared/adapters/kraken-keys.js';
import { KrakenRestClient } from '../../shared/adapters/kraken-rest.js';
import { PostgresStateGenerations } from '../../shared/adapters/postgres/state-generation.js';
import { readExposure } from '../../shared/adapters/redis/exposure-read.js';
import { StateEpochStore } from '../../shared/adapters/state-epoch.js';
import { connectStores } from '../../shared/adapters/stores.js';
import { stateEpochOptions } from '../../shared/config/state-epoch.js';
import type { KrakenCredentials } from '../../shared/domain/controls/ports.js';
import { type ExposureSource, exposureView } from '../../shared/domain/risk/exposure-view.js';
import { parseLimits } from '../../shared/domain/risk/limits.js';
import {
  type AccountDetails,
  type AccountView,
  type CreatedAccount,
  createAccount,
  listAccounts,
  setAccountEnabled,
  showAccount,
} from './accounts.js';
import { CloudWatchMetricsSource } from './adapters/cloudwatch-metrics.js';
import { PostgresAccountAdministration } from './adapters/postgres-accounts.js';
import { PostgresControlLog, PostgresKeyRotationLog, PostgresLimitsAdmin } from './adapters/postgres-controls.js';
import { PostgresDecisionFeed } from './adapters/postgres-decision-feed.js';
import {
  PostgresBreakerConfigChangeStore,
  PostgresChangeLog,
  PostgresLimitsChangeStore,
  PostgresRecordedDecisions,
} from './adapters/postgres-limit-changes.js';
import { RedisKillSwitchStore } from './adapters/redis-kill-switch.js';
import { RedisMarketOverview } from './adapters/redis-market-overview.js';
import type { AdminApiConfig } from './config.js';
import type { DeskReads, MetricsSource } from './desk-reads.js';
import { KillSwitchService, type KillSwitchServiceDeps } from './kill-switch-service.js';
import { createLimitChanges, type LimitChanges } from './limit-changes.js';
import type { ControlLog, EventPublisher, KillSwitchState, LimitsAdministration, Notifier } from './ports.js';
import { resetBreaker } from './reset-breaker.js';
import { type KeyRotation, rotateKrakenKey } from './rotate-kraken-key.js';

export interface AdminServices {
  readonly killSwitch: { service: KillSwitchService; log: ControlLog; states(): Promise<KillSwitchState[]> };
  readonly limits: LimitsAdministration;
  readonly accounts: {
    create(request: Parameters<typeof createAccount>[0]): Promise<CreatedAccount>;
    list(): Promise<AccountView[]>;
    show(accountId: string): Promise<AccountDetails>;
    setEnabled(request: Parameters<typeof setAccountEnabled>[0]): ReturnType<typeof setAccountEnabled>;
  };
  rotateKrakenKey(accountId: string, credentials: KrakenCredentials, actor: string): Promise<KeyRotation>;
  /** Clears every cause of a symbol's breaker, audited first; returns the causes it cleared. */
  resetBreaker(symbol: string, actor: string, reason: string): Promise<{ cleared: string[] }>;
  onLimitsApplied?(accountId: string): void;
  /** The limits what-if and two-approver limit and breaker changes (issue #17); absent in tests that need none. */
  readonly changes?: LimitChanges;
  /** The risk desk console's reads (market, decisions stream, metrics); absent in tests that need none. */
  readonly desk?: DeskReads;
  /** The clock the reads stamp their answers with. @default Date.now */
  readonly now?: () => number;
}

export interface AdminApi {
  readonly services: AdminServices;
  readonly redis: Redis;
  readonly pool: pg.Pool;
  close(): Promise<void>;
}

export interface AdminOverrides {
  readonly now?: () => number;
  readonly events?: EventPublisher;
  readonly notifier?: Notifier;
  readonly onStateChange?: KillSwitchServiceDeps['onStateChange'];
  readonly onLimitsApplied?: (accountId: string) => void;
  /** Told when a kill switch change stands on the primary but is not yet safe from a failover. */
  readonly onDurabilityGap?: (what: string, error: unknown) => void;
  /** Where the console's charts come from. @default CloudWatch (local mode passes its own metrics) */
  readonly metrics?: MetricsSource;
}

/** Composition root of the admin API: the use cases on their Postgres, Redis, AWS and Kraken adapters. */
export async function createAdminApi(config: AdminApiConfig, overrides: AdminOverrides = {}): Promise<AdminApi> {
  const stores = await connectStores(config);
  const { redis, pool } = stores;
  const now = overrides.now ?? Date.now;
  const controls = {
    ...stateEpochOptions(config),
    epoch: new StateEpochStore(redis, new PostgresStateGenerations(pool), stateEpochOptions(config)),
  };
  const store = new RedisKillSwitchStore(redis, { ...controls, onDurabilityGap: overrides.onDurabilityGap });
  const log = new PostgresControlLog(pool);
  const service = new KillSwitchService({
    store,
    log,
    events: overrides.events ?? new EventBridgePublisher(config.KILL_EVENT_BUS_NAME),
    notifier: overrides.notifier ?? new SnsNotifier(config.KILL_NOTIFY_TOPIC_ARN),
    now,
    newId: randomUUID,
    releaseWindowMs: config.RELEASE_WINDOW_MS,
    onStateChange: overrides.onStateChange,
  });
  const limits = new PostgresLimitsAdmin(pool);
  const keys = new KrakenKeyStore(createSecretsManagerClient(), config.STAGE, config.KRAKEN_KEYS_KMS_KEY_ID);
  const accountAdmin = { accounts: new PostgresAccountAdministration(pool), limits, keys, newId: randomUUID };
  const keyRotation = {
    limits,
    kraken: new KrakenRestClient(config.KRAKEN_REST_URL),
    keys,
    rotations: new PostgresKeyRotationLog(pool),
    now,
  };
  const breakerChanges = new PostgresBreakerConfigChangeStore(pool);
  const changes = createLimitChanges({
    decisions: new PostgresRecordedDecisions(pool),
    limits: new PostgresLimitsChangeStore(pool),
    breakers: breakerChanges,
    log: new PostgresChangeLog(pool),
    breakersInForce: () => breakerChanges.inForce(),
    settings: {
      maxDecisions: config.WHAT_IF_MAX_DECISIONS,
      maxRangeMs: config.WHAT_IF_MAX_RANGE_MS,
      defaultLookbackMs: config.WHAT_IF_DEFAULT_LOOKBACK_MS,
      maxExamples: config.WHAT_IF_MAX_EXAMPLES,
      proposalTtlMs: config.CHANGE_PROPOSAL_TTL_MS,
    },
    now,
    newId: randomUUID,
  });
  const breakerReset = {
    breakers: new RedisBreakerStore(redis, controls),
    audit: new PostgresBreakerAudit(pool),
    now,
    newId: randomUUID,
  };

  // The risk API's own exposure read (one codec path), so the console cannot disagree with it.
  const exposureSource: ExposureSource = { load: (accountId, nowMs) => readExposure(redis, accountId, nowMs) };
  const services: AdminServices = {
    killSwitch: { service, log, states: () => store.list() },
    // Proposals carry their what-if, expire, and are applied by a second approver (issue #17).
    limits: {
      current: (accountId) => limits.current(accountId),
      propose: async (accountId, proposed, actor, reason) =>
        (await changes.proposeLimits(accountId, proposed, actor, reason)).proposal_id,
      apply: (accountId, proposalId, actor) => changes.applyLimits(accountId, proposalId, actor),
    },
    changes,
    accounts: {
      create: (request) => createAccount(request, accountAdmin),
      list: () => listAccounts(accountAdmin),
      show: (accountId) => showAccount(accountId, accountAdmin),
      setEnabled: (request) => setAccountEnabled(request, accountAdmin),
    },
    onLimitsApplied: overrides.onLimitsApplied,
    rotateKrakenKey: (accountId, credentials, actor) => rotateKrakenKey({ accountId, credentials, actor }, keyRotation),
    resetBreaker: (symbol, actor, reason) => resetBreaker({ symbol, actor, reason }, breakerReset),
    desk: {
      market: new RedisMarketOverview(redis),
      decisions: new PostgresDecisionFeed(pool),
      metrics: overrides.metrics ?? new CloudWatchMetricsSource(),
      exposure: async (accountId) => {
        const current = await limits.current(accountId);
        if (!current) return null;
        const nowMs = now();
        const account = {
          accountId,
          enabled: true,
          limitsVersion: current.version,
          limits: parseLimits(current.limits),
        };
        return exposureView(account, await exposureSource.load(accountId, nowMs), nowMs);
      },
    },
    now,
  };
  return { services, redis, pool, close: stores.close };
}
