import type { MetricUnit } from '@aws-lambda-powertools/metrics';

/**
 * The metric catalogue: every custom metric the product publishes (namespace RiskGate, EMF),
 * with its unit, the exact dimension sets it is published under, the units that emit it and
 * what one data point means. Code emits through shared/metrics/emit.ts, which accepts only
 * these entries with their declared dimensions; dashboards, alarms, the SLO document and the
 * alarm test read the same entries. One meaning per name: a metric counted by two units means
 * the same thing in both.
 *
 * CloudWatch keys a metric by name and the exact set of dimensions, so `{service}` and
 * `{service, symbol}` are two metrics. Every set here includes `service` (the Powertools
 * default dimension); an alarm must name one of these sets exactly.
 */

/** Units that emit metrics (folders under functions/; `coingecko-client` is a shared adapter). */
export type EmittingUnit =
  | 'risk-api'
  | 'admin-api'
  | 'audit-drainer'
  | 'kill-executor'
  | 'market-ingester'
  | 'market-evaluator'
  | 'reference-prices'
  | 'positions'
  | 'universe'
  | 'health'
  | 'partition-maintenance'
  | 'account-feed'
  | 'state-rebuild'
  | 'coingecko-client';

export type CatalogueUnit = (typeof MetricUnit)[keyof typeof MetricUnit];

export interface MetricSpec {
  readonly name: string;
  readonly unit: CatalogueUnit;
  /** Every dimension set one emission publishes to; each starts with `service`. */
  readonly dimensionSets: readonly (readonly ['service', ...string[]])[];
  readonly emittedBy: readonly EmittingUnit[];
  readonly meaning: string;
}

const SERVICE_ONLY = [['service']] as const;

export const CATALOGUE = {
  decisions: {
    name: 'Decisions',
    unit: 'Count',
    // Per outcome for the dashboard, and all outcomes together for rates.
    dimensionSets: [['service', 'decision'], ['service']],
    emittedBy: ['risk-api'],
    meaning: 'One per decision answered by POST /v1/risk/validate (decision: accept | reject).',
  },
  decisionLatencyMs: {
    name: 'DecisionLatencyMs',
    unit: 'Milliseconds',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['risk-api'],
    meaning: 'Time from the request reaching the handler to the decision, of every decision (the latency SLO).',
  },
  rejectReasons: {
    name: 'RejectReasons',
    unit: 'Count',
    dimensionSets: [['service', 'code']],
    emittedBy: ['risk-api'],
    meaning: 'One per reason a decision rejected (code: the reason code).',
  },
  stateUnavailable: {
    name: 'StateUnavailable',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['risk-api'],
    meaning: 'Decisions rejected RISK_STATE_UNAVAILABLE: Redis or PostgreSQL did not answer in time (fail closed).',
  },
  auditWriteFailures: {
    name: 'AuditWriteFailures',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['risk-api'],
    meaning:
      'Decisions answered whose audit record reached neither the spool nor the audit table: it is only in the logs (a lost audit record).',
  },
  auditSpoolOnly: {
    name: 'AuditSpoolOnly',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['risk-api'],
    meaning:
      'Decisions acknowledged by too few cache replicas whose direct audit-table write also failed: the record is on the primary spool alone.',
  },
  auditDrainFailures: {
    name: 'AuditDrainFailures',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['audit-drainer'],
    meaning: 'Spool batches the drainer could not copy to PostgreSQL; the records stay in the spool and are retried.',
  },
  reservationEventsDrainFailures: {
    name: 'ReservationEventsDrainFailures',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['audit-drainer'],
    meaning: 'Drainer runs whose reservation-event copy failed; the events stay in their stream and are retried.',
  },
  auditRecordsDrained: {
    name: 'AuditRecordsDrained',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['audit-drainer'],
    meaning: 'Audit records copied from the spool to PostgreSQL by one drainer run.',
  },
  auditSpoolLength: {
    name: 'AuditSpoolLength',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['audit-drainer'],
    meaning: 'Records left in the Redis audit spool at the end of a drainer run.',
  },
  auditSpoolDeadLetters: {
    name: 'AuditSpoolDeadLetters',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['audit-drainer'],
    meaning: 'Audit records that could not be read back from the spool, parked in audit:spool:dead.',
  },
  healthChecks: {
    name: 'HealthChecks',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['health'],
    meaning: 'One per GET /v1/health answered.',
  },
  killSwitchState: {
    name: 'kill_switch_state',
    unit: 'Count',
    dimensionSets: [['service', 'scope']],
    emittedBy: ['admin-api'],
    meaning: '1 when a kill switch of the scope (global | account | symbol) was engaged, 0 when released.',
  },
  killSwitchResponseMs: {
    name: 'KillSwitchResponseMs',
    unit: 'Milliseconds',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['kill-executor'],
    meaning: 'Kill switch engage to all cancels confirmed, per executor run (the kill switch SLO).',
  },
  killSwitchChannelFailures: {
    name: 'KillSwitchChannelFailures',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['admin-api'],
    meaning: 'Kill switch engages answered 207: a notification channel failed.',
  },
  killExecutorCancels: {
    name: 'KillExecutorCancels',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['kill-executor'],
    meaning: 'Accounts whose Kraken CancelAll succeeded in one executor run.',
  },
  killExecutorFailures: {
    name: 'KillExecutorFailures',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['kill-executor'],
    meaning: 'Accounts whose Kraken CancelAll failed in one executor run.',
  },
  ingestFrames: {
    name: 'IngestFrames',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['market-ingester'],
    meaning: 'Kraken public WS frames handled since the last report.',
  },
  ingestChecksumMismatches: {
    name: 'IngestChecksumMismatches',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['market-ingester'],
    meaning: 'Book checksum mismatches (each resubscribes the symbol).',
  },
  ingestReconnects: {
    name: 'IngestReconnects',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['market-ingester'],
    meaning: 'Reconnects of the public WS since the last report.',
  },
  ingestPublishLatencyMs: {
    name: 'IngestPublishLatencyMs',
    unit: 'Milliseconds',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['market-ingester'],
    meaning: 'Duration of one Kinesis PutRecords call of market-events.',
  },
  ingestPublishErrors: {
    name: 'IngestPublishErrors',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['market-ingester'],
    meaning: 'Records a PutRecords call failed (re-queued).',
  },
  ingestBufferOverflow: {
    name: 'IngestBufferOverflow',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['market-ingester'],
    meaning: 'Market events dropped from the full Kinesis buffer.',
  },
  ingestDataAgeMs: {
    name: 'IngestDataAgeMs',
    unit: 'Milliseconds',
    // Per symbol for the dashboard; the service-only set carries every symbol's age so the
    // freshness alarm's Maximum is the stalest symbol, with no per-symbol alarm to keep in step.
    dimensionSets: [['service', 'symbol'], ['service']],
    emittedBy: ['market-ingester'],
    meaning: 'Age of the newest book update of a symbol, reported each metrics interval (the freshness SLO).',
  },
  ingestHeartbeatAgeMs: {
    name: 'IngestHeartbeatAgeMs',
    unit: 'Milliseconds',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['market-ingester'],
    meaning: "Age of Kraken's last heartbeat on the public WS, reported each metrics interval.",
  },
  evaluatorEventsApplied: {
    name: 'EvaluatorEventsApplied',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['market-evaluator'],
    meaning: 'Market events a batch applied to the breakers.',
  },
  evaluatorDuplicates: {
    name: 'EvaluatorDuplicates',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['market-evaluator'],
    meaning: 'Market events a batch had already applied (redelivery).',
  },
  evaluatorPoisonRecords: {
    name: 'EvaluatorPoisonRecords',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['market-evaluator'],
    meaning: 'Records of market-events that could not be parsed, skipped by a batch.',
  },
  evaluatorIteratorAgeMs: {
    name: 'EvaluatorIteratorAgeMs',
    unit: 'Milliseconds',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['market-evaluator'],
    meaning: "Age of a batch's oldest record when the batch is handled.",
  },
  breakerTransitions: {
    name: 'BreakerTransitions',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['market-evaluator', 'reference-prices'],
    meaning: 'Breaker causes that tripped or cleared in one run.',
  },
  timeSeriesRejectedRecords: {
    name: 'TimeSeriesRejectedRecords',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['market-evaluator'],
    meaning: 'Ticks or bars the time-series sink refused.',
  },
  referencePricesWritten: {
    name: 'ReferencePricesWritten',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['reference-prices'],
    meaning: 'Reference prices written to the cache by one run.',
  },
  referencePricesStale: {
    name: 'ReferencePricesStale',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['reference-prices'],
    meaning: 'Symbols whose CoinGecko price was too old to write in one run.',
  },
  referenceRateLimited: {
    name: 'ReferenceRateLimited',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['reference-prices'],
    meaning: '1 per run that did not refresh (CoinGecko 429 or its Retry-After), 0 otherwise.',
  },
  fillsApplied: {
    name: 'FillsApplied',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['positions'],
    meaning: 'Fills a positions batch applied.',
  },
  fillsDuplicate: {
    name: 'FillsDuplicate',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['positions'],
    meaning: 'Fills a positions batch had already applied.',
  },
  universeSize: {
    name: 'UniverseSize',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['universe'],
    meaning: 'Symbols in the tradable universe after a refresh.',
  },
  partitionsCreated: {
    name: 'PartitionsCreated',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['partition-maintenance'],
    meaning: 'Daily partitions the maintenance run created (ahead, or to recover DEFAULT rows).',
  },
  partitionsDropped: {
    name: 'PartitionsDropped',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['partition-maintenance'],
    meaning: 'Daily partitions dropped past their retention.',
  },
  secretPlaceholder: {
    name: 'SecretPlaceholder',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['coingecko-client'],
    meaning: 'One per call made while a secret still holds its placeholder (the CoinGecko key nobody set).',
  },
  partitionRowsInDefault: {
    name: 'PartitionRowsInDefault',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['partition-maintenance'],
    meaning: 'Rows found in a DEFAULT partition at the start of a maintenance run.',
  },
  partitionDaysAhead: {
    name: 'PartitionDaysAhead',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['partition-maintenance'],
    meaning: 'Fewest days after today that every partitioned table has a partition for.',
  },
  accountFeedEvents: {
    name: 'AccountFeedEvents',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['account-feed'],
    meaning: 'Execution events the private feed published to Kinesis executions since the last report.',
  },
  accountFeedDuplicates: {
    name: 'AccountFeedDuplicates',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['account-feed'],
    meaning: 'Executions dropped as duplicates (reconnect snapshots, repeated frames).',
  },
  accountFeedFailedClosed: {
    name: 'AccountFeedFailedClosed',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['account-feed'],
    meaning:
      'Accounts served by a task whose private feed is failed closed, reported each status interval (0 included).',
  },
  accountFeedReconnects: {
    name: 'AccountFeedReconnects',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['account-feed'],
    meaning: 'Disconnects of an account private feed.',
  },
  unvettedOrders: {
    name: 'UnvettedOrders',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['account-feed'],
    meaning: 'Orders seen on Kraken with no accepted decision behind them.',
  },
  unvettedOrdersCanceled: {
    name: 'UnvettedOrdersCanceled',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['account-feed'],
    meaning: 'Unvetted orders the feed canceled on Kraken.',
  },
  deadMansSwitchArmed: {
    name: 'DeadMansSwitchArmed',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['account-feed'],
    meaning: 'cancel_all_orders_after refreshes sent while the gate is healthy.',
  },
  deadMansSwitchWithheld: {
    name: 'DeadMansSwitchWithheld',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['account-feed'],
    meaning: "Dead man's switch refreshes withheld because the gate is unhealthy.",
  },
  stateEpochMissing: {
    name: 'StateEpochMissing',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['risk-api'],
    meaning: 'Decisions rejected because the cache holds no state epoch (not rebuilt).',
  },
  stateRebuilds: {
    name: 'StateRebuilds',
    unit: 'Count',
    dimensionSets: [['service', 'trigger']],
    emittedBy: ['state-rebuild'],
    meaning: 'State rebuild runs that restored the cache (trigger: missing | behind | forced).',
  },
  stateRebuildMs: {
    name: 'StateRebuildMs',
    unit: 'Milliseconds',
    dimensionSets: [['service', 'trigger']],
    emittedBy: ['state-rebuild'],
    meaning: 'Start of a rebuild to the epoch written (the cache serving again).',
  },
  replicaAckShortfalls: {
    name: 'ReplicaAckShortfalls',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['risk-api', 'admin-api'],
    meaning: 'Control or reservation writes acknowledged by fewer cache replicas than configured.',
  },
  reservationsExpired: {
    name: 'ReservationsExpired',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['risk-api', 'positions'],
    meaning: 'Pending reservations nobody acknowledged within their TTL, removed and audited.',
  },
  bookConflicts: {
    name: 'BookConflicts',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['risk-api'],
    meaning: 'Decisions re-made because the account book moved between load and commit.',
  },
  orderEventsApplied: {
    name: 'OrderEventsApplied',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['positions'],
    meaning: 'Order events (executions) a positions batch applied.',
  },
  orderEventsDuplicate: {
    name: 'OrderEventsDuplicate',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['positions'],
    meaning: 'Order events a positions batch had already applied.',
  },
  unreservedOrders: {
    name: 'UnreservedOrders',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['positions'],
    meaning: 'Orders on Kraken the positions consumer found with no reservation behind them.',
  },
  balanceDrift: {
    name: 'BalanceDrift',
    unit: 'Percent',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['positions'],
    meaning: 'Largest |Kraken balance - position| / |balance| of a positions batch that applied balances, percent.',
  },
  positionsPoisonRecords: {
    name: 'PositionsPoisonRecords',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['positions'],
    meaning: 'Records of executions that could not be read, parked in the positions DLQ.',
  },
} as const satisfies Record<string, MetricSpec>;

export type CatalogueKey = keyof typeof CATALOGUE;
/** One entry of the catalogue (and only those: an ad-hoc spec is not assignable). */
export type CatalogueMetric = (typeof CATALOGUE)[CatalogueKey];

/** The dimensions besides `service` an entry is emitted with (never when it has `service` only). */
export type ExtraDimension<M extends CatalogueMetric> = Exclude<M['dimensionSets'][number][number], 'service'>;

/** Every entry, for dashboards, docs and tests. */
export const CATALOGUE_ENTRIES: readonly CatalogueMetric[] = Object.values(CATALOGUE);

/** The entry of a metric name, or undefined when the catalogue has none. */
export function catalogueEntry(name: string): CatalogueMetric | undefined {
  return CATALOGUE_ENTRIES.find((m) => m.name === name);
}
