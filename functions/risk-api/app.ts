import { randomUUID } from 'node:crypto';
import { CachedLimitsSource } from '../../shared/domain/risk/cached-limits.js';
import { exposureView } from '../../shared/domain/risk/exposure-view.js';
import { createValidateOrder, type ValidateOrderDeps } from '../../shared/domain/risk/validate-order.js';
import { connectRiskStores, type StoreRiskAdapters } from './adapters/store-adapters.js';
import type { RiskApiConfig } from './config.js';
import type { RiskApiAdapters } from './ports.js';
import type { RiskApiPorts } from './router.js';

/** The assembled service: ports for the router, the adapters it runs on, and shutdown. */
export interface RiskApi<A extends RiskApiAdapters = StoreRiskAdapters> {
  readonly ports: RiskApiPorts;
  readonly adapters: A;
  close(): Promise<void>;
}

/** Builds the adapters the risk API runs on from its configuration. */
export type RiskApiAdaptersFactory<A extends RiskApiAdapters> = (config: RiskApiConfig) => Promise<A>;

export interface RiskApiOverrides {
  readonly now?: () => number;
  /** Told each time a decision found its account's book moved and was re-made (metric BookConflicts). */
  readonly onBookConflict?: ValidateOrderDeps['onBookConflict'];
  readonly onIncident?: ValidateOrderDeps['onIncident'];
  readonly onDecision?: RiskApiPorts['onDecision'];
}

export interface RiskApiOptions<A extends RiskApiAdapters> extends RiskApiOverrides {
  /** @default connectRiskStores (Redis and PostgreSQL, as in AWS) */
  readonly adapters: RiskApiAdaptersFactory<A>;
}

/**
 * Composition root: wires the use cases onto the adapters `options.adapters` builds (Redis
 * and PostgreSQL unless told otherwise), with the limits behind a TTL cache.
 */
export function createRiskApi(config: RiskApiConfig, overrides?: RiskApiOverrides): Promise<RiskApi<StoreRiskAdapters>>;
export function createRiskApi<A extends RiskApiAdapters>(
  config: RiskApiConfig,
  options: RiskApiOptions<A>,
): Promise<RiskApi<A>>;
export async function createRiskApi(
  config: RiskApiConfig,
  options: RiskApiOverrides & { adapters?: RiskApiAdaptersFactory<RiskApiAdapters> } = {},
): Promise<RiskApi<RiskApiAdapters>> {
  const now = options.now ?? Date.now;
  const adapters = await (options.adapters ?? connectRiskStores)(config);
  const limits = new CachedLimitsSource(adapters.limits, {
    ttlMs: config.LIMITS_CACHE_TTL_MS,
    maxStaleMs: config.LIMITS_MAX_STALE_MS,
    now,
  });
  const validateOrder = createValidateOrder({
    limits,
    store: adapters.state,
    fallbackAudit: adapters.fallbackAudit,
    now,
    monotonicMicros: () => performance.now() * 1_000,
    newId: randomUUID,
    onIncident: options.onIncident,
    onBookConflict: options.onBookConflict,
    maxBookRetries: config.BOOK_MAX_RETRIES,
  });
  const exposureSource = adapters.exposure;
  return {
    ports: {
      validateOrder,
      recentDecisions: (accountId, limit) => adapters.decisions.recent(accountId, limit),
      ...(exposureSource
        ? {
            exposure: async (accountId: string) => {
              const account = await limits.get(accountId);
              if (!account) return null;
              const nowMs = now();
              return exposureView(account, await exposureSource.load(accountId, nowMs), nowMs);
            },
          }
        : {}),
      health: () => adapters.health(),
      onDecision: options.onDecision,
    },
    adapters,
    close: () => adapters.close(),
  };
}
