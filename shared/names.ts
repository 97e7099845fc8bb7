/**
 * One source of truth for names shared by code, infrastructure and dashboards: metric
 * names, stream names, table names and route paths. Import these; never retype a string.
 */

import { CATALOGUE, type CatalogueKey } from './metrics/catalogue.js';

export const SERVICE_NAME = 'risk-gate';
/** The Cognito group whose members' tokens the admin API accepts (the console's sign-in). */
export const RISK_MANAGER_GROUP = 'risk-manager';
export const METRIC_NAMESPACE = 'RiskGate';

export const STREAMS = {
  marketEvents: 'market-events',
  executions: 'executions',
} as const;

export const TABLES = {
  accounts: 'accounts',
  accountLimits: 'account_limits',
  instruments: 'instruments',
  riskDecisions: 'risk_decisions',
  killSwitchLog: 'kill_switch_log',
  /** One row per kill executor action and account (idempotency of CancelAll under redelivery). */
  killSwitchActions: 'kill_switch_actions',
  /** Proposed limit changes awaiting a second approver. */
  limitsProposals: 'limits_proposals',
  /** Audit of Kraken API key rotations (never the key itself). */
  krakenKeyRotations: 'kraken_key_rotations',
  /** Append-only audit of account creation, disabling and re-enabling (who, when, why). */
  accountAdminLog: 'account_admin_log',
  positions: 'positions',
  fills: 'fills',
  breakerConfig: 'breaker_config',
  /** Two-approver changes (issue #17): breaker threshold proposals, and the log of every step of any change. */
  breakerConfigProposals: 'breaker_config_proposals',
  changeProposalLog: 'change_proposal_log',
  breakerEvents: 'breaker_events',
  marketTicks: 'market_ticks',
  marketBars: 'market_bars',
  dailyPnl: 'daily_pnl',
  universeVersions: 'universe_versions',
  /** Append-only: one row per advance of the state generation (migration 007; see REDIS_KEYS.stateEpoch). */
  stateGenerations: 'state_generations',
  /** Append-only audit of reservation lifecycle events (expiries), drained from REDIS_KEYS.reservationEvents (migration 010). */
  reservationEvents: 'reservation_events',
  /** Working orders and tombstones of closed ones, per account and Kraken order id (migration 009; positions consumer). */
  workingOrders: 'working_orders',
  /** Order events applied, `type:event_id` per account: their exactly-once key until pruned (migration 009). */
  orderEventsApplied: 'order_events_applied',
  /** Append-only: reservations handed to a working order (acknowledged) or expired, seen by the positions consumer (migration 009). */
  reservationReleases: 'reservation_releases',
  /** Latest Kraken balance per account and asset, the source of REDIS_KEYS.balances (migration 009). */
  accountBalances: 'account_balances',
  schemaMigrations: 'schema_migrations',
} as const;

/**
 * PostgreSQL roles of the units that reach the database (migration 011, which spells the
 * same names: test/system/database-roles.int.test.ts checks they match). Each unit has a NOLOGIN group
 * role holding exactly the grants its adapters use, and a login user that is its only
 * member: the user a unit connects as (IAM-authenticated through RDS Proxy in AWS, where
 * `rds-db:connect` is scoped to that user). The migrator alone owns the schema.
 */
export const DATABASE_ROLES = {
  riskApi: 'rg_risk_api',
  auditDrainer: 'rg_audit_drainer',
  adminApi: 'rg_admin_api',
  killExecutor: 'rg_kill_executor',
  marketEvaluator: 'rg_market_evaluator',
  referencePrices: 'rg_reference_prices',
  positions: 'rg_positions',
  universe: 'rg_universe',
  stateRebuild: 'rg_state_rebuild',
  marketIngester: 'rg_market_ingester',
  partitionMaintenance: 'rg_partition_maintenance',
} as const;

export type DatabaseUnit = keyof typeof DATABASE_ROLES;

/** The login user of a unit's group role: `<group>_login`. */
export function databaseLoginUser(unit: DatabaseUnit): `${(typeof DATABASE_ROLES)[DatabaseUnit]}_login` {
  return `${DATABASE_ROLES[unit]}_login`;
}

export const ROUTES = {
  validate: '/v1/risk/validate',
  decisions: '/v1/risk/decisions',
  health: '/v1/health',
  adminKillSwitch: '/v1/admin/kill-switch',
  adminKillSwitchRelease: '/v1/admin/kill-switch/release',
  adminKillSwitchHistory: '/v1/admin/kill-switch/history',
  /**
   * Account administration: `POST|GET /v1/admin/accounts`, `GET /v1/admin/accounts/{id}`,
   * `POST .../{id}/disable|enable`, and `/v1/admin/accounts/{id}/limits|kraken-key`.
   */
  adminAccounts: '/v1/admin/accounts',
  adminBreakerReset: '/v1/admin/breakers/reset',
  /** Breaker thresholds in force; two-approver changes under `.../proposals[/{id}[/apply]]` (issue #17). */
  adminBreakerConfig: '/v1/admin/breakers/config',
  /** Risk desk console reads: the market as the gate sees it, the decisions stream, metric series. */
  adminMarket: '/v1/admin/market',
  adminDecisions: '/v1/admin/decisions',
  adminMetrics: '/v1/admin/metrics',
  /** The risk desk console's static assets (CloudFront in a stage, local mode's port locally). */
  console: '/console',
  /** `GET /v1/risk/accounts/{id}/exposure`: position, working, pending and headroom per limit. */
  accountExposure: '/v1/risk/accounts/{id}/exposure',
} as const;

/**
 * Metric names emitted as CloudWatch EMF, keyed as in the metric catalogue
 * (shared/metrics/catalogue.ts), which also holds each metric's unit, dimension sets, emitting
 * units and meaning. Code emits through shared/metrics/emit.ts; dashboards and alarms read the
 * catalogue entries.
 */
export const METRICS = Object.fromEntries(Object.entries(CATALOGUE).map(([key, metric]) => [key, metric.name])) as {
  readonly [K in CatalogueKey]: (typeof CATALOGUE)[K]['name'];
};

/**
 * Redis key schema (ElastiCache). Hot state only: every key can be rebuilt from Kinesis and
 * Aurora. Keys of one account share the `{account}` hash tag so a multi-key script on one
 * account stays on one cluster slot.
 */
export const REDIS_KEYS = {
  /** Hash {@link Mark} of a symbol, written by the ingester. */
  mark: (symbol: string) => `mark:${symbol}`,
  /** Hash of the reference (CoinGecko) price of a symbol: price, updated_at_ms. */
  referencePrice: (symbol: string) => `ref:${symbol}`,
  /** Hash of a symbol breaker: state (tripped|clear), reason, since_ms. */
  breaker: (symbol: string) => `breaker:${symbol}`,
  /** Hash of the kill switch of a scope: engaged (1|0), reason, actor, since_ms, allow_reduce_only. */
  killSwitchGlobal: 'kill:global',
  killSwitchAccount: (accountId: string) => `kill:account:{${accountId}}`,
  killSwitchSymbol: (symbol: string) => `kill:symbol:${symbol}`,
  /** Hash actor -> approval time (ms) of a pending two-person release, with the window as TTL. */
  killSwitchRelease: (scope: string, target: string) => `kill:release:${scope}:${target}`,
  /** Hash of an account's positions: symbol -> signed quantity (decimal string). */
  positions: (accountId: string) => `pos:{${accountId}}`,
  /** Hash of an account's daily counters: realised_pnl, fees, date. */
  dailyCounters: (accountId: string) => `daily:{${accountId}}`,
  /** Sorted set of an account's recent order timestamps (order-rate throttle). */
  orderRate: (accountId: string) => `rate:{${accountId}}`,
  /** String: request hash + decision of an order id (idempotency), with a TTL. */
  orderId: (accountId: string, orderId: string) => `order:{${accountId}}:${orderId}`,
  /** Set of symbols in the tradable universe (empty/missing = universe check not configured). */
  universe: 'universe:symbols',
  /** Hash symbol -> JSON of Kraken instrument data (increments, minimums, status). */
  instruments: 'instruments',
  /** Stream of decision audit records not yet copied to Postgres (drained by the audit drainer). */
  auditSpool: 'audit:spool',
  /** Stream of spool entries that could not be read back (kept for inspection, never dropped). */
  auditSpoolDead: 'audit:spool:dead',
  /** String: JSON of the market evaluator's per-symbol state (volatility window, causes, watermark). */
  evaluatorState: (symbol: string) => `eval:${symbol}`,
  /** String: epoch ms before which the CoinGecko caller must not call again (429 Retry-After). */
  coingeckoRetryAfter: 'coingecko:retry_after_ms',
  /** Hash of the ingester's feed state: status (live|degraded|stale), reason, since_ms. */
  feedStatus: 'feed:status',
  /**
   * Hash of one account's private Kraken feed (account-feed): status (live|failed_closed),
   * reason, since_ms, last_message_ms, updated_ms. Codec: shared/adapters/redis/account-feed-hash.ts.
   * Missing or not live = the account's orders are rejected (fail closed).
   */
  accountFeed: (accountId: string) => `acctfeed:{${accountId}}`,
  /** Stream of orders seen on Kraken with no accepted decision behind them (audit, capped). */
  unvettedOrders: 'audit:unvetted',
  /**
   * Hash of the state epoch: generation, written_at_ms, written_by. Written LAST by the state
   * rebuild (functions/state-rebuild), so a cache without it has not been restored: every
   * reader fails closed. Codec: shared/adapters/redis/state-epoch.ts.
   */
  stateEpoch: 'state:epoch',
  /**
   * Hash of an account's open orders (issue #12): `r:<order_id>` pending reservations,
   * `o:<kraken_order_id>` working orders (and tombstones), `~v` the version every write bumps.
   * Codec and compare-and-set script: shared/adapters/redis/account-book-hash.ts.
   */
  accountBook: (accountId: string) => `book:{${accountId}}`,
  /** Hash of an account's Kraken balances: asset (v2 name) -> decimal string; written from balance events. */
  balances: (accountId: string) => `bal:{${accountId}}`,
  /** Stream of reservation lifecycle events (expiries) not yet copied to Postgres (drained by the audit drainer). */
  reservationEvents: 'audit:reservations',
} as const;

/**
 * Kraken API keys live in Secrets Manager, one secret per trading account, created out of
 * band by an operator (never by CDK, never in a template) and encrypted with the stage's
 * data key: `risk-gate/<stage>/kraken/<accountId>`, value
 * `{"api_key":"…","api_secret":"…"}` (codec: shared/adapters/secrets/kraken-key-secret.ts, which
 * also reads the older `{"apiKey","apiSecret"}`). The stage prefix lets two stages share an AWS account;
 * functions are granted read on `risk-gate/<stage>/kraken/*` of their own stage only.
 */
export const KRAKEN_KEY_ACCOUNT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** Prefix of every Kraken key secret of a stage (for IAM grants: append `*`). */
export function krakenKeySecretPrefix(stage: string): string {
  return `${SERVICE_NAME}/${stage}/kraken/`;
}

/** Secret name of one account's Kraken API key; the account id follows `accounts.account_id`. */
export function krakenKeySecretName(stage: string, accountId: string): string {
  if (!KRAKEN_KEY_ACCOUNT_PATTERN.test(accountId)) {
    throw new Error(`account id "${accountId}" is not a valid account id for a Kraken key secret`);
  }
  return `${krakenKeySecretPrefix(stage)}${accountId}`;
}
