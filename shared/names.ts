/**
 * One source of truth for names shared by code, infrastructure and dashboards: metric
 * names, stream names, table names and route paths. Import these; never retype a string.
 */

export const SERVICE_NAME = 'risk-gate';
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
  positions: 'positions',
  fills: 'fills',
  breakerConfig: 'breaker_config',
  breakerEvents: 'breaker_events',
  marketTicks: 'market_ticks',
  marketBars: 'market_bars',
  schemaMigrations: 'schema_migrations',
} as const;

export const ROUTES = {
  validate: '/v1/risk/validate',
  decisions: '/v1/risk/decisions',
  health: '/v1/health',
  adminKillSwitch: '/v1/admin/kill-switch',
  adminKillSwitchRelease: '/v1/admin/kill-switch/release',
} as const;

/** Metric names emitted as CloudWatch EMF; dashboards and alarms import the same constants. */
export const METRICS = {
  decisions: 'Decisions',
  decisionLatencyMs: 'DecisionLatencyMs',
  rejectReasons: 'RejectReasons',
  stateUnavailable: 'StateUnavailable',
  auditWriteFailures: 'AuditWriteFailures',
  healthChecks: 'HealthChecks',
  killSwitchState: 'kill_switch_state',
  killSwitchResponseMs: 'KillSwitchResponseMs',
  ingestFrames: 'IngestFrames',
  ingestChecksumMismatches: 'IngestChecksumMismatches',
  ingestReconnects: 'IngestReconnects',
  ingestPublishLatencyMs: 'IngestPublishLatencyMs',
  ingestPublishErrors: 'IngestPublishErrors',
  ingestBufferOverflow: 'IngestBufferOverflow',
  ingestDataAgeMs: 'IngestDataAgeMs',
  ingestHeartbeatAgeMs: 'IngestHeartbeatAgeMs',
} as const;
