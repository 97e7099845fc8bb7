import { CATALOGUE, type CatalogueMetric } from '../shared/metrics/catalogue.js';
import { METRIC_NAMESPACE, SERVICE_NAME } from '../shared/names.js';

/**
 * The one description of what the risk desk and SREs watch, built from the metric catalogue
 * (shared/metrics/catalogue.ts) the code emits through. The CloudWatch dashboard (infra), the
 * Grafana dashboards (dashboards/grafana/) and the alarms are all generated from these lists,
 * and each names a catalogue entry with one of its declared dimension sets, so a renamed metric
 * or a dimension the code does not emit fails a test instead of leaving a panel or alarm blind.
 */
export type Stat = 'Sum' | 'Average' | 'Maximum' | 'Minimum' | 'SampleCount' | 'p99' | 'p50';

/** A dimension set an entry declares, as the list of its keys. */
export type DimensionSetOf<M extends CatalogueMetric> = M['dimensionSets'][number];

export interface PanelMetric {
  readonly metric: CatalogueMetric;
  readonly stat: Stat;
  /**
   * The exact dimension set drawn (one the catalogue declares). Keys besides `service` are
   * drawn one line per value (SEARCH in CloudWatch, a wildcard in Grafana).
   */
  readonly dimensions: readonly string[];
  /** The metric's name (for consumers of the plain list: the desk console). */
  readonly name: string;
  /** The split key, if any (the desk console charts one line per value of it). */
  readonly dimension?: string;
}

/** One line of a panel: `metric` under `set` (default: its first declared set). */
export function draw<M extends CatalogueMetric>(metric: M, stat: Stat, set?: DimensionSetOf<M>): PanelMetric {
  const dimensions: readonly string[] = set ?? metric.dimensionSets[0];
  const dimension = dimensions.find((k) => k !== 'service');
  return { metric, stat, dimensions, name: metric.name, ...(dimension ? { dimension } : {}) };
}

/** The keys of a drawn set besides `service` (the per-value lines). */
export function splitKeys(line: PanelMetric): string[] {
  return line.dimensions.filter((k) => k !== 'service');
}

export interface Panel {
  readonly title: string;
  readonly unit: 'count' | 'ms';
  readonly metrics: readonly PanelMetric[];
}

/** The `{service}` series of a catalogue metric: what every alarm reads (one series, named exactly). */
export interface AlarmMetric {
  readonly metric: CatalogueMetric;
  readonly stat: Stat;
}

export interface AlarmSpec {
  readonly id: string;
  readonly metric: AlarmMetric;
  readonly threshold: number;
  /** Consecutive periods past the threshold before it fires. */
  readonly periods: number;
  /** Length of one period. A daily job's metric is judged over a day. @default 60 */
  readonly periodSeconds?: number;
  /** Which side of the threshold pages. @default 'above' */
  readonly fires?: 'above' | 'below';
  /**
   * Whether no data pages. Counters of failures are only emitted when something ran, so
   * silence is fine for them; a health measure that stops arriving is itself the incident.
   * @default 'ok'
   */
  readonly missingData?: 'ok' | 'breaching';
  readonly description: string;
  readonly runbook: string;
}

/** An alarm series: only metrics the catalogue publishes under `{service}` qualify. */
function series<M extends CatalogueMetric>(
  metric: readonly ['service'] extends DimensionSetOf<M> ? M : never,
  stat: Stat,
): AlarmMetric {
  return { metric, stat };
}

export const NAMESPACE = METRIC_NAMESPACE;
export const SERVICE_DIMENSION = { service: SERVICE_NAME } as const;

/** Runbook of an alarm added with the catalogue (issue #14): one file per alarm, its `Meaning` section. */
export function alarmRunbook(id: string): string {
  return `docs/runbooks/alarms/${id}.md#meaning`;
}

export const PANELS: readonly Panel[] = [
  {
    title: 'Decisions by outcome',
    unit: 'count',
    metrics: [draw(CATALOGUE.decisions, 'Sum', ['service', 'decision'])],
  },
  {
    title: 'Decision latency (ms)',
    unit: 'ms',
    metrics: [draw(CATALOGUE.decisionLatencyMs, 'p50'), draw(CATALOGUE.decisionLatencyMs, 'p99')],
  },
  {
    title: 'Reject reasons',
    unit: 'count',
    metrics: [draw(CATALOGUE.rejectReasons, 'Sum', ['service', 'code'])],
  },
  {
    title: 'Decisions failed closed: state unavailable, no state epoch',
    unit: 'count',
    metrics: [draw(CATALOGUE.stateUnavailable, 'Sum'), draw(CATALOGUE.stateEpochMissing, 'Sum')],
  },
  {
    title: 'Audit: spool, drained, failures',
    unit: 'count',
    metrics: [
      draw(CATALOGUE.auditSpoolLength, 'Maximum'),
      draw(CATALOGUE.auditSpoolDeadLetters, 'Maximum'),
      draw(CATALOGUE.auditRecordsDrained, 'Sum'),
      draw(CATALOGUE.auditWriteFailures, 'Sum'),
      draw(CATALOGUE.auditSpoolOnly, 'Sum'),
      draw(CATALOGUE.auditDrainFailures, 'Sum'),
      draw(CATALOGUE.reservationEventsDrainFailures, 'Sum'),
    ],
  },
  {
    title: 'Kill switch',
    unit: 'count',
    metrics: [
      draw(CATALOGUE.killSwitchState, 'Maximum', ['service', 'scope']),
      draw(CATALOGUE.killSwitchChannelFailures, 'Sum'),
      draw(CATALOGUE.killExecutorCancels, 'Sum'),
      draw(CATALOGUE.killExecutorFailures, 'Sum'),
    ],
  },
  {
    title: 'Kill switch response (ms)',
    unit: 'ms',
    metrics: [draw(CATALOGUE.killSwitchResponseMs, 'Maximum')],
  },
  {
    title: 'Ingester: frames, reconnects, checksum mismatches',
    unit: 'count',
    metrics: [
      draw(CATALOGUE.ingestFrames, 'Sum'),
      draw(CATALOGUE.ingestReconnects, 'Sum'),
      draw(CATALOGUE.ingestChecksumMismatches, 'Sum'),
      draw(CATALOGUE.ingestBufferOverflow, 'Sum'),
      draw(CATALOGUE.ingestPublishErrors, 'Sum'),
    ],
  },
  {
    title: 'Ingester: data age, heartbeat age, publish latency (ms)',
    unit: 'ms',
    metrics: [
      draw(CATALOGUE.ingestDataAgeMs, 'Maximum', ['service', 'symbol']),
      draw(CATALOGUE.ingestDataAgeMs, 'Maximum', ['service']),
      draw(CATALOGUE.ingestHeartbeatAgeMs, 'Maximum'),
      draw(CATALOGUE.ingestPublishLatencyMs, 'p99'),
    ],
  },
  {
    title: 'Evaluators',
    unit: 'count',
    metrics: [
      draw(CATALOGUE.evaluatorEventsApplied, 'Sum'),
      draw(CATALOGUE.evaluatorDuplicates, 'Sum'),
      draw(CATALOGUE.evaluatorPoisonRecords, 'Sum'),
      draw(CATALOGUE.breakerTransitions, 'Sum'),
      draw(CATALOGUE.timeSeriesRejectedRecords, 'Sum'),
    ],
  },
  {
    title: 'Evaluator iterator age (ms)',
    unit: 'ms',
    metrics: [draw(CATALOGUE.evaluatorIteratorAgeMs, 'Maximum')],
  },
  {
    title: 'Reference prices, fills, universe',
    unit: 'count',
    metrics: [
      draw(CATALOGUE.referencePricesWritten, 'Sum'),
      draw(CATALOGUE.referencePricesStale, 'Sum'),
      draw(CATALOGUE.referenceRateLimited, 'Sum'),
      draw(CATALOGUE.secretPlaceholder, 'Sum'),
      draw(CATALOGUE.fillsApplied, 'Sum'),
      draw(CATALOGUE.fillsDuplicate, 'Sum'),
      draw(CATALOGUE.universeSize, 'Maximum'),
      draw(CATALOGUE.healthChecks, 'Sum'),
    ],
  },
  {
    title: 'Positions: order events, orders without a reservation, poison records',
    unit: 'count',
    metrics: [
      draw(CATALOGUE.orderEventsApplied, 'Sum'),
      draw(CATALOGUE.orderEventsDuplicate, 'Sum'),
      draw(CATALOGUE.unreservedOrders, 'Sum'),
      draw(CATALOGUE.positionsPoisonRecords, 'Sum'),
    ],
  },
  {
    // Percent, drawn on a plain axis: the panel unit set has no percentage and 1 reads as 1%.
    title: 'Positions: largest balance drift from position (%)',
    unit: 'count',
    metrics: [draw(CATALOGUE.balanceDrift, 'Maximum')],
  },
  {
    title: 'State cache: decisions without an epoch, rebuilds, replica ack shortfalls',
    unit: 'count',
    metrics: [
      draw(CATALOGUE.stateEpochMissing, 'Sum'),
      draw(CATALOGUE.stateRebuilds, 'Sum', ['service', 'trigger']),
      draw(CATALOGUE.replicaAckShortfalls, 'Sum'),
    ],
  },
  {
    title: 'State rebuild duration (ms)',
    unit: 'ms',
    metrics: [draw(CATALOGUE.stateRebuildMs, 'Maximum', ['service', 'trigger'])],
  },
  {
    title: 'Reservations: expired unacknowledged, book conflicts (decisions re-made)',
    unit: 'count',
    metrics: [draw(CATALOGUE.reservationsExpired, 'Sum'), draw(CATALOGUE.bookConflicts, 'Sum')],
  },
  {
    title: 'Partition maintenance: created, dropped, rows in DEFAULT',
    unit: 'count',
    metrics: [
      draw(CATALOGUE.partitionsCreated, 'Sum'),
      draw(CATALOGUE.partitionsDropped, 'Sum'),
      draw(CATALOGUE.partitionRowsInDefault, 'Maximum'),
    ],
  },
  {
    title: 'Partition maintenance: days ahead (fewest over the tables)',
    unit: 'count',
    metrics: [draw(CATALOGUE.partitionDaysAhead, 'Minimum')],
  },
  {
    title: 'Account feed: executions, duplicates, accounts failed closed, reconnects',
    unit: 'count',
    metrics: [
      draw(CATALOGUE.accountFeedEvents, 'Sum'),
      draw(CATALOGUE.accountFeedDuplicates, 'Sum'),
      draw(CATALOGUE.accountFeedFailedClosed, 'Maximum'),
      draw(CATALOGUE.accountFeedReconnects, 'Sum'),
    ],
  },
  {
    title: 'Orders closed while the feed was away: settled from history, left working',
    unit: 'count',
    metrics: [draw(CATALOGUE.ordersSettledFromHistory, 'Sum'), draw(CATALOGUE.ordersLeftWorking, 'Sum')],
  },
  {
    title: "Unvetted orders and the dead man's switch",
    unit: 'count',
    metrics: [
      draw(CATALOGUE.unvettedOrders, 'Sum'),
      draw(CATALOGUE.unvettedOrdersCanceled, 'Sum'),
      draw(CATALOGUE.deadMansSwitchArmed, 'Sum'),
      draw(CATALOGUE.deadMansSwitchWithheld, 'Sum'),
    ],
  },
];

/** Pages an SRE; each names what to do. Thresholds are the SLOs' early warnings. */
export const ALARMS: readonly AlarmSpec[] = [
  {
    id: 'AuditWriteFailures',
    metric: series(CATALOGUE.auditWriteFailures, 'Sum'),
    threshold: 0,
    periods: 1,
    description: 'A decision could not be written to the spool or the audit table: its record is only in the logs.',
    runbook: alarmRunbook('AuditWriteFailures'),
  },
  {
    id: 'AuditSpoolBacklog',
    metric: series(CATALOGUE.auditSpoolLength, 'Maximum'),
    threshold: 50_000,
    periods: 5,
    description: 'Decisions are piling up in the Redis spool: Aurora or the drainer is failing.',
    runbook: alarmRunbook('AuditSpoolBacklog'),
  },
  {
    id: 'AuditDeadLetters',
    metric: series(CATALOGUE.auditSpoolDeadLetters, 'Maximum'),
    threshold: 0,
    periods: 1,
    description:
      'An audit record could not be read back from the spool and waits in audit:spool:dead: recover it by hand.',
    runbook: alarmRunbook('AuditDeadLetters'),
  },
  {
    id: 'KillExecutorFailures',
    metric: series(CATALOGUE.killExecutorFailures, 'Sum'),
    threshold: 0,
    periods: 1,
    description: 'CancelAll failed for at least one account after a kill switch: cancel on Kraken by hand.',
    runbook: alarmRunbook('KillExecutorFailures'),
  },
  {
    id: 'KillSwitchSlow',
    metric: series(CATALOGUE.killSwitchResponseMs, 'Maximum'),
    threshold: 5_000,
    periods: 1,
    description: 'Engage to all cancels confirmed took over 5 s (the kill switch SLO, docs/slo.md).',
    runbook: alarmRunbook('KillSwitchSlow'),
  },
  {
    id: 'IngestBufferOverflow',
    metric: series(CATALOGUE.ingestBufferOverflow, 'Sum'),
    threshold: 0,
    periods: 1,
    description: 'The ingester dropped events from its Kinesis buffer: the durable path is degraded.',
    runbook: alarmRunbook('IngestBufferOverflow'),
  },
  {
    id: 'MarketDataStale',
    // The {service} set carries every symbol's age, so its Maximum is the stalest symbol.
    metric: series(CATALOGUE.ingestDataAgeMs, 'Maximum'),
    threshold: 5_000,
    periods: 2,
    // The ingester reports every symbol each interval: silence is a dead ingester.
    missingData: 'breaching',
    description:
      'Market data of at least one symbol is older than 5 s, or no ingester reports: the risk API rejects those symbols as stale.',
    runbook: alarmRunbook('MarketDataStale'),
  },
  {
    id: 'DecisionLatencyP99',
    metric: series(CATALOGUE.decisionLatencyMs, 'p99'),
    threshold: 30,
    periods: 5,
    description: 'Risk decisions p99 above 30 ms for 5 minutes (the latency SLO, docs/slo.md).',
    runbook: alarmRunbook('DecisionLatencyP99'),
  },
  {
    id: 'PartitionRowsInDefault',
    metric: series(CATALOGUE.partitionRowsInDefault, 'Maximum'),
    threshold: 0,
    periods: 1,
    description:
      'Rows reached a DEFAULT partition: a day had no partition when they were written. The job moves them; find why the day was missing.',
    runbook: alarmRunbook('PartitionRowsInDefault'),
  },
  {
    id: 'PartitionDaysAhead',
    metric: series(CATALOGUE.partitionDaysAhead, 'Minimum'),
    threshold: 7,
    periods: 1,
    periodSeconds: 86_400,
    fires: 'below',
    // The job reports once a day: a day without the metric means it did not run.
    missingData: 'breaching',
    description:
      'Fewer than 7 days of partitions ahead, or partition maintenance did not report for a day: rows will land in DEFAULT.',
    runbook: alarmRunbook('PartitionDaysAhead'),
  },
  {
    id: 'AccountFeedFailedClosed',
    metric: series(CATALOGUE.accountFeedFailedClosed, 'Maximum'),
    threshold: 0,
    // A reconnect fails an account closed for a few seconds; three minutes is an outage.
    periods: 3,
    // Every task reports each second, 0 included: silence means no task is serving.
    missingData: 'breaching',
    description:
      "An account's private Kraken feed has been failed closed for 3 minutes (or no feed task reports): its orders are rejected.",
    runbook: alarmRunbook('AccountFeedFailedClosed'),
  },
  {
    id: 'UnvettedOrders',
    metric: series(CATALOGUE.unvettedOrders, 'Sum'),
    threshold: 0,
    periods: 1,
    description: 'An order reached Kraken without an accepted decision behind it: something trades around the gate.',
    runbook: alarmRunbook('UnvettedOrders'),
  },
  {
    id: 'DeadMansSwitchWithheld',
    metric: series(CATALOGUE.deadMansSwitchWithheld, 'Sum'),
    threshold: 0,
    periods: 1,
    description:
      "The gate is unhealthy and the dead man's switch is no longer refreshed: Kraken cancels the accounts' open orders within 60 s.",
    runbook: alarmRunbook('DeadMansSwitchWithheld'),
  },
  {
    id: 'ReservationsExpired',
    metric: series(CATALOGUE.reservationsExpired, 'Sum'),
    // A strategy that validates and then does not send expires a reservation now and then;
    // a steady stream means acknowledgements from Kraken are not reaching the gate.
    threshold: 10,
    periods: 5,
    description:
      'Accepted orders keep expiring unacknowledged: the account feed or the positions consumer is not delivering executions.',
    runbook: alarmRunbook('ReservationsExpired'),
  },
  {
    id: 'BalanceDrift',
    metric: series(CATALOGUE.balanceDrift, 'Maximum'),
    // A balance update can land a batch before the fill that explains it, so one period past
    // the tolerance is expected; three in a row is a fill or a balance the ledger missed.
    threshold: 1,
    periods: 3,
    description:
      "An account's Kraken balance differs from its position by more than 1% (the log names the asset): a fill was missed or booked twice, or something outside the gate traded.",
    runbook: alarmRunbook('BalanceDrift'),
  },
  {
    id: 'StateEpochMissing',
    metric: series(CATALOGUE.stateEpochMissing, 'Sum'),
    threshold: 0,
    periods: 1,
    description:
      'The cache holds no state epoch (lost, flushed or failed over empty): every order is rejected until the state rebuild runs.',
    runbook: alarmRunbook('StateEpochMissing'),
  },
  {
    id: 'ReplicaAckShortfalls',
    metric: series(CATALOGUE.replicaAckShortfalls, 'Sum'),
    threshold: 0,
    periods: 1,
    description:
      'A control or reservation write was acknowledged by fewer cache replicas than configured: a failover now could lose it.',
    runbook: alarmRunbook('ReplicaAckShortfalls'),
  },
  {
    id: 'BookConflictsSustained',
    metric: series(CATALOGUE.bookConflicts, 'Sum'),
    // A conflict now and then is two requests racing for one account, and the re-made decision
    // is correct; a steady stream ends in BOOK_CONTENDED rejects for a busy account.
    threshold: 20,
    periods: 5,
    description:
      'Decisions keep being re-made because the account book moved under them: busy accounts are being rejected BOOK_CONTENDED.',
    runbook: alarmRunbook('BookConflictsSustained'),
  },
  {
    id: 'SecretPlaceholder',
    metric: series(CATALOGUE.secretPlaceholder, 'Sum'),
    threshold: 0,
    periods: 1,
    description:
      'A secret still holds the placeholder CDK created (the CoinGecko key): calls go out unkeyed at public rate limits. Set it.',
    runbook: alarmRunbook('SecretPlaceholder'),
  },
  // Alarms added with the metric catalogue (issue #14); each has its runbook under docs/runbooks/alarms/.
  {
    id: 'StateUnavailable',
    metric: series(CATALOGUE.stateUnavailable, 'Sum'),
    threshold: 0,
    // One command timeout is a blip the next request survives; two minutes is a store down.
    periods: 2,
    description:
      'Decisions are failing closed RISK_STATE_UNAVAILABLE for 2 minutes: Redis or PostgreSQL is not answering.',
    runbook: alarmRunbook('StateUnavailable'),
  },
  {
    id: 'IngestHeartbeatStale',
    metric: series(CATALOGUE.ingestHeartbeatAgeMs, 'Maximum'),
    // Kraken sends a heartbeat about once a second on an idle connection.
    threshold: 10_000,
    periods: 2,
    missingData: 'breaching',
    description:
      "Kraken's public feed has sent no heartbeat for 10 s, or no ingester reports: the connection is dead or hung.",
    runbook: alarmRunbook('IngestHeartbeatStale'),
  },
  {
    id: 'EvaluatorPoisonRecords',
    metric: series(CATALOGUE.evaluatorPoisonRecords, 'Sum'),
    threshold: 0,
    periods: 1,
    description:
      'The market evaluator skipped records of market-events it could not parse: the breakers did not see them.',
    runbook: alarmRunbook('EvaluatorPoisonRecords'),
  },
  {
    id: 'PositionsPoisonRecords',
    metric: series(CATALOGUE.positionsPoisonRecords, 'Sum'),
    threshold: 0,
    periods: 1,
    description:
      'The positions consumer parked execution records it could not read in its DLQ: a fill or order event is not counted.',
    runbook: alarmRunbook('PositionsPoisonRecords'),
  },
  {
    id: 'AuditSpoolOnly',
    metric: series(CATALOGUE.auditSpoolOnly, 'Sum'),
    threshold: 0,
    periods: 1,
    description:
      "A decision committed on the cache primary alone could not write its audit row to the table: its record is on the primary's spool only.",
    runbook: alarmRunbook('AuditSpoolOnly'),
  },
  {
    id: 'AuditDrainFailing',
    metric: series(CATALOGUE.auditDrainFailures, 'Sum'),
    threshold: 0,
    // The drainer runs each minute; five failing runs in a row is PostgreSQL down, not a blip.
    periods: 5,
    description:
      'The audit drainer has failed to copy the spool to PostgreSQL for 5 minutes: records pile up in Redis.',
    runbook: alarmRunbook('AuditDrainFailing'),
  },
];
