import type { MetricUnit } from '@aws-lambda-powertools/metrics';

/**
 * The metric catalogue: every custom metric the product publishes (namespace RiskGate, EMF),
 * with its unit, the exact dimension sets it is published under and the units that emit it;
 * what one data point means is in shared/metrics/meanings.ts (one entry per key, checked by
 * the compiler), kept apart because every Lambda bundle carries this file and only the docs
 * read the prose (docs/cold-start.md). Code emits through shared/metrics/emit.ts, which
 * accepts only these entries with their declared dimensions; dashboards, alarms, the SLO
 * document and the alarm test read the same entries. One meaning per name: a metric counted
 * by two units means the same thing in both.
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
}

const SERVICE_ONLY = [['service']] as const;

export const CATALOGUE = {
  decisions: {
    name: 'Decisions',
    unit: 'Count',
    // Per outcome for the dashboard, and all outcomes together for rates.
    dimensionSets: [['service', 'decision'], ['service']],
    emittedBy: ['risk-api'],
  },
  decisionLatencyMs: {
    name: 'DecisionLatencyMs',
    unit: 'Milliseconds',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['risk-api'],
  },
  rejectReasons: {
    name: 'RejectReasons',
    unit: 'Count',
    dimensionSets: [['service', 'code']],
    emittedBy: ['risk-api'],
  },
  stateUnavailable: {
    name: 'StateUnavailable',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['risk-api'],
  },
  auditWriteFailures: {
    name: 'AuditWriteFailures',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['risk-api'],
  },
  auditSpoolOnly: {
    name: 'AuditSpoolOnly',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['risk-api'],
  },
  auditDrainFailures: {
    name: 'AuditDrainFailures',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['audit-drainer'],
  },
  reservationEventsDrainFailures: {
    name: 'ReservationEventsDrainFailures',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['audit-drainer'],
  },
  auditRecordsDrained: {
    name: 'AuditRecordsDrained',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['audit-drainer'],
  },
  auditSpoolLength: {
    name: 'AuditSpoolLength',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['audit-drainer'],
  },
  auditSpoolDeadLetters: {
    name: 'AuditSpoolDeadLetters',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['audit-drainer'],
  },
  healthChecks: {
    name: 'HealthChecks',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['health'],
  },
  killSwitchState: {
    name: 'kill_switch_state',
    unit: 'Count',
    dimensionSets: [['service', 'scope']],
    emittedBy: ['admin-api'],
  },
  killSwitchResponseMs: {
    name: 'KillSwitchResponseMs',
    unit: 'Milliseconds',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['kill-executor'],
  },
  killSwitchChannelFailures: {
    name: 'KillSwitchChannelFailures',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['admin-api'],
  },
  killExecutorCancels: {
    name: 'KillExecutorCancels',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['kill-executor'],
  },
  killExecutorFailures: {
    name: 'KillExecutorFailures',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['kill-executor'],
  },
  ingestFrames: {
    name: 'IngestFrames',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['market-ingester'],
  },
  ingestChecksumMismatches: {
    name: 'IngestChecksumMismatches',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['market-ingester'],
  },
  ingestReconnects: {
    name: 'IngestReconnects',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['market-ingester'],
  },
  ingestPublishLatencyMs: {
    name: 'IngestPublishLatencyMs',
    unit: 'Milliseconds',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['market-ingester'],
  },
  ingestPublishErrors: {
    name: 'IngestPublishErrors',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['market-ingester'],
  },
  ingestBufferOverflow: {
    name: 'IngestBufferOverflow',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['market-ingester'],
  },
  ingestDataAgeMs: {
    name: 'IngestDataAgeMs',
    unit: 'Milliseconds',
    // Per symbol for the dashboard; the service-only set carries every symbol's age so the
    // freshness alarm's Maximum is the stalest symbol, with no per-symbol alarm to keep in step.
    dimensionSets: [['service', 'symbol'], ['service']],
    emittedBy: ['market-ingester'],
  },
  ingestHeartbeatAgeMs: {
    name: 'IngestHeartbeatAgeMs',
    unit: 'Milliseconds',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['market-ingester'],
  },
  evaluatorEventsApplied: {
    name: 'EvaluatorEventsApplied',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['market-evaluator'],
  },
  evaluatorDuplicates: {
    name: 'EvaluatorDuplicates',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['market-evaluator'],
  },
  evaluatorPoisonRecords: {
    name: 'EvaluatorPoisonRecords',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['market-evaluator'],
  },
  evaluatorIteratorAgeMs: {
    name: 'EvaluatorIteratorAgeMs',
    unit: 'Milliseconds',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['market-evaluator'],
  },
  breakerTransitions: {
    name: 'BreakerTransitions',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['market-evaluator', 'reference-prices'],
  },
  timeSeriesRejectedRecords: {
    name: 'TimeSeriesRejectedRecords',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['market-evaluator'],
  },
  referencePricesWritten: {
    name: 'ReferencePricesWritten',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['reference-prices'],
  },
  referencePricesStale: {
    name: 'ReferencePricesStale',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['reference-prices'],
  },
  referenceRateLimited: {
    name: 'ReferenceRateLimited',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['reference-prices'],
  },
  fillsApplied: {
    name: 'FillsApplied',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['positions'],
  },
  fillsDuplicate: {
    name: 'FillsDuplicate',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['positions'],
  },
  universeSize: {
    name: 'UniverseSize',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['universe'],
  },
  partitionsCreated: {
    name: 'PartitionsCreated',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['partition-maintenance'],
  },
  partitionsDropped: {
    name: 'PartitionsDropped',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['partition-maintenance'],
  },
  secretPlaceholder: {
    name: 'SecretPlaceholder',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['coingecko-client'],
  },
  partitionRowsInDefault: {
    name: 'PartitionRowsInDefault',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['partition-maintenance'],
  },
  partitionDaysAhead: {
    name: 'PartitionDaysAhead',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['partition-maintenance'],
  },
  accountFeedEvents: {
    name: 'AccountFeedEvents',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['account-feed'],
  },
  accountFeedDuplicates: {
    name: 'AccountFeedDuplicates',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['account-feed'],
  },
  ordersSettledFromHistory: {
    name: 'OrdersSettledFromHistory',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['account-feed'],
  },
  ordersLeftWorking: {
    name: 'OrdersLeftWorking',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['account-feed'],
  },
  accountFeedFailedClosed: {
    name: 'AccountFeedFailedClosed',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['account-feed'],
  },
  accountFeedReconnects: {
    name: 'AccountFeedReconnects',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['account-feed'],
  },
  unvettedOrders: {
    name: 'UnvettedOrders',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['account-feed'],
  },
  unvettedOrdersCanceled: {
    name: 'UnvettedOrdersCanceled',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['account-feed'],
  },
  deadMansSwitchArmed: {
    name: 'DeadMansSwitchArmed',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['account-feed'],
  },
  deadMansSwitchWithheld: {
    name: 'DeadMansSwitchWithheld',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['account-feed'],
  },
  stateEpochMissing: {
    name: 'StateEpochMissing',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['risk-api'],
  },
  stateRebuilds: {
    name: 'StateRebuilds',
    unit: 'Count',
    dimensionSets: [['service', 'trigger']],
    emittedBy: ['state-rebuild'],
  },
  stateRebuildMs: {
    name: 'StateRebuildMs',
    unit: 'Milliseconds',
    dimensionSets: [['service', 'trigger']],
    emittedBy: ['state-rebuild'],
  },
  replicaAckShortfalls: {
    name: 'ReplicaAckShortfalls',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['risk-api', 'admin-api'],
  },
  reservationsExpired: {
    name: 'ReservationsExpired',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['risk-api', 'positions'],
  },
  bookConflicts: {
    name: 'BookConflicts',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['risk-api'],
  },
  orderEventsApplied: {
    name: 'OrderEventsApplied',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['positions'],
  },
  orderEventsDuplicate: {
    name: 'OrderEventsDuplicate',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['positions'],
  },
  unreservedOrders: {
    name: 'UnreservedOrders',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['positions'],
  },
  balanceDrift: {
    name: 'BalanceDrift',
    unit: 'Percent',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['positions'],
  },
  positionsPoisonRecords: {
    name: 'PositionsPoisonRecords',
    unit: 'Count',
    dimensionSets: SERVICE_ONLY,
    emittedBy: ['positions'],
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
