import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { EventBridgePublisher, SnsNotifier } from '../../shared/adapters/aws-channels.js';
import { createSecretsManagerClient } from '../../shared/adapters/aws-clients.js';
import { PostgresBreakerAudit, RedisBreakerStore } from '../../shared/adapters/breakers/breaker-store.js';
import { KrakenKeyStore } from '../../shared/adapters/kraken-keys.js';
import { KrakenApiError, type KrakenCredentials, KrakenRestClient } from '../../shared/adapters/kraken-rest.js';
import { connectStores } from '../../shared/adapters/stores.js';
import { StateUnavailableError } from '../../shared/domain/errors.js';
import { HttpError } from '../../shared/runtime/http.js';
import { PostgresControlLog, PostgresLimitsAdmin } from './adapters/postgres-controls.js';
import { RedisKillSwitchStore } from './adapters/redis-kill-switch.js';
import type { AdminApiConfig } from './config.js';
import { KillSwitchService, type KillSwitchServiceDeps } from './kill-switch-service.js';
import type { ControlLog, EventPublisher, KillSwitchState, Notifier } from './ports.js';

export interface AdminServices {
  readonly killSwitch: { service: KillSwitchService; log: ControlLog; states(): Promise<KillSwitchState[]> };
  readonly limits: PostgresLimitsAdmin;
  rotateKrakenKey(
    accountId: string,
    credentials: KrakenCredentials,
    actor: string,
  ): Promise<{ secretName: string; rotatedAt: string }>;
  /** Clears every cause of a symbol's breaker, audited first; returns the causes it cleared. */
  resetBreaker(symbol: string, actor: string, reason: string): Promise<{ cleared: string[] }>;
  onLimitsApplied?(accountId: string): void;
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
}

/** Composition root of the admin API. */
export async function createAdminApi(config: AdminApiConfig, overrides: AdminOverrides = {}): Promise<AdminApi> {
  const stores = await connectStores(config);
  const { redis, pool } = stores;
  const now = overrides.now ?? Date.now;
  const store = new RedisKillSwitchStore(redis);
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
  const breakers = new RedisBreakerStore(redis);
  const breakerAudit = new PostgresBreakerAudit(pool);
  const kraken = new KrakenRestClient(config.KRAKEN_REST_URL);
  const keys = new KrakenKeyStore(createSecretsManagerClient(), config.STAGE, config.KRAKEN_KEYS_KMS_KEY_ID);

  const services: AdminServices = {
    killSwitch: { service, log, states: () => store.list() },
    limits,
    onLimitsApplied: overrides.onLimitsApplied,
    async rotateKrakenKey(accountId, credentials, actor) {
      if (!(await limits.current(accountId))) throw new HttpError(404, 'NOT_FOUND', `unknown account ${accountId}`);
      // Prove the key works (and can read the account) before it replaces a working one.
      try {
        await kraken.balance(credentials);
      } catch (error) {
        if (error instanceof KrakenApiError && !error.retryable) {
          throw new HttpError(422, 'KRAKEN_KEY_REJECTED', `Kraken refused the key: ${error.errors.join(', ')}`);
        }
        throw new HttpError(502, 'UPSTREAM_UNAVAILABLE', 'Kraken did not answer; the key was not stored');
      }
      const secretName = await keys.store(accountId, credentials);
      await limits.recordKeyRotation(accountId, actor, secretName, credentials.apiKey);
      return { secretName, rotatedAt: new Date(now()).toISOString() };
    },
    async resetBreaker(symbol, actor, reason) {
      const resetId = randomUUID();
      const atMs = now();
      const why = `manual reset by ${actor}: ${reason}`;
      // Audit before the change, so no reset ever happens off the record: if Postgres cannot
      // take the row, the breaker stays as it is and the caller gets a 503.
      const before = await breakers.tripped(symbol).catch((error: unknown) => {
        throw new StateUnavailableError('redis', { cause: error });
      });
      await breakerAudit.recordManualReset(symbol, before, why, resetId, atMs).catch((error: unknown) => {
        throw new StateUnavailableError('postgres', { cause: error });
      });
      const cleared = await breakers.reset(symbol, why, atMs).catch((error: unknown) => {
        throw new StateUnavailableError('redis', { cause: error });
      });
      // A cause that tripped between the read and the reset was cleared too: record it.
      const late = cleared.filter((cause) => !before.includes(cause));
      if (late.length > 0) await breakerAudit.recordManualReset(symbol, late, why, resetId, atMs);
      return { cleared };
    },
  };
  return {
    services,
    redis,
    pool,
    close: stores.close,
  };
}
