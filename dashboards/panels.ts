import { METRIC_NAMESPACE, METRICS, SERVICE_NAME } from '../shared/names.js';

/**
 * The one description of what the risk desk and SREs watch, built from the metric-name
 * constants the code emits. The CloudWatch dashboard (infra), the Grafana dashboard JSON
 * (dashboards/grafana/) and the alarms are all generated from this list, so a renamed
 * metric cannot leave a dashboard silently empty.
 */
export type Stat = 'Sum' | 'Average' | 'Maximum' | 'Minimum' | 'p99' | 'p50';

export interface PanelMetric {
  readonly name: string;
  readonly stat: Stat;
  /** Extra EMF dimension the metric is emitted with (besides `service`), if any. */
  readonly dimension?: string;
}

export interface Panel {
  readonly title: string;
  readonly unit: 'count' | 'ms';
  readonly metrics: readonly PanelMetric[];
}

export interface AlarmSpec {
  readonly id: string;
  readonly metric: PanelMetric;
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

export const NAMESPACE = METRIC_NAMESPACE;
export const SERVICE_DIMENSION = { service: SERVICE_NAME } as const;

export const PANELS: readonly Panel[] = [
  {
    title: 'Decisions by outcome',
    unit: 'count',
    metrics: [{ name: METRICS.decisions, stat: 'Sum', dimension: 'decision' }],
  },
  {
    title: 'Decision latency (ms)',
    unit: 'ms',
    metrics: [
      { name: METRICS.decisionLatencyMs, stat: 'p50', dimension: 'decision' },
      { name: METRICS.decisionLatencyMs, stat: 'p99', dimension: 'decision' },
    ],
  },
  {
    title: 'Reject reasons',
    unit: 'count',
    metrics: [{ name: METRICS.rejectReasons, stat: 'Sum', dimension: 'code' }],
  },
  {
    title: 'Audit: spool, drained, failures',
    unit: 'count',
    metrics: [
      { name: METRICS.auditSpoolLength, stat: 'Maximum' },
      { name: METRICS.auditSpoolDeadLetters, stat: 'Maximum' },
      { name: METRICS.auditRecordsDrained, stat: 'Sum' },
      { name: METRICS.auditWriteFailures, stat: 'Sum' },
      { name: METRICS.stateUnavailable, stat: 'Sum' },
    ],
  },
  {
    title: 'Kill switch',
    unit: 'count',
    metrics: [
      { name: METRICS.killSwitchState, stat: 'Maximum', dimension: 'scope' },
      { name: METRICS.killSwitchChannelFailures, stat: 'Sum' },
      { name: METRICS.killExecutorCancels, stat: 'Sum' },
      { name: METRICS.killExecutorFailures, stat: 'Sum' },
    ],
  },
  {
    title: 'Kill switch response (ms)',
    unit: 'ms',
    metrics: [{ name: METRICS.killSwitchResponseMs, stat: 'Maximum' }],
  },
  {
    title: 'Ingester: frames, reconnects, checksum mismatches',
    unit: 'count',
    metrics: [
      { name: METRICS.ingestFrames, stat: 'Sum' },
      { name: METRICS.ingestReconnects, stat: 'Sum' },
      { name: METRICS.ingestChecksumMismatches, stat: 'Sum' },
      { name: METRICS.ingestBufferOverflow, stat: 'Sum' },
      { name: METRICS.ingestPublishErrors, stat: 'Sum' },
    ],
  },
  {
    title: 'Ingester: data age, heartbeat age, publish latency (ms)',
    unit: 'ms',
    metrics: [
      { name: METRICS.ingestDataAgeMs, stat: 'Maximum' },
      { name: METRICS.ingestHeartbeatAgeMs, stat: 'Maximum' },
      { name: METRICS.ingestPublishLatencyMs, stat: 'p99' },
    ],
  },
  {
    title: 'Evaluators',
    unit: 'count',
    metrics: [
      { name: METRICS.evaluatorEventsApplied, stat: 'Sum' },
      { name: METRICS.evaluatorDuplicates, stat: 'Sum' },
      { name: METRICS.evaluatorPoisonRecords, stat: 'Sum' },
      { name: METRICS.breakerTransitions, stat: 'Sum' },
      { name: METRICS.breakersTripped, stat: 'Maximum' },
      { name: METRICS.timeSeriesRejectedRecords, stat: 'Sum' },
    ],
  },
  {
    title: 'Evaluator iterator age (ms)',
    unit: 'ms',
    metrics: [{ name: METRICS.evaluatorIteratorAgeMs, stat: 'Maximum' }],
  },
  {
    title: 'Reference prices, fills, universe',
    unit: 'count',
    metrics: [
      { name: METRICS.referencePricesWritten, stat: 'Sum' },
      { name: METRICS.referencePricesStale, stat: 'Sum' },
      { name: METRICS.referenceRateLimited, stat: 'Sum' },
      { name: METRICS.secretPlaceholder, stat: 'Sum' },
      { name: METRICS.fillsApplied, stat: 'Sum' },
      { name: METRICS.fillsDuplicate, stat: 'Sum' },
      { name: METRICS.universeSize, stat: 'Maximum' },
      { name: METRICS.healthChecks, stat: 'Sum' },
    ],
  },
  {
    title: 'Positions: order events, orders without a reservation, poison records',
    unit: 'count',
    metrics: [
      { name: METRICS.orderEventsApplied, stat: 'Sum' },
      { name: METRICS.orderEventsDuplicate, stat: 'Sum' },
      { name: METRICS.unreservedOrders, stat: 'Sum' },
      { name: METRICS.positionsPoisonRecords, stat: 'Sum' },
    ],
  },
  {
    // Percent, drawn on a plain axis: the panel unit set has no percentage and 1 reads as 1%.
    title: 'Positions: largest balance drift from position (%)',
    unit: 'count',
    metrics: [{ name: METRICS.balanceDrift, stat: 'Maximum' }],
  },
  {
    title: 'State cache: decisions without an epoch, rebuilds, replica ack shortfalls',
    unit: 'count',
    metrics: [
      { name: METRICS.stateEpochMissing, stat: 'Sum' },
      { name: METRICS.stateRebuilds, stat: 'Sum', dimension: 'trigger' },
      { name: METRICS.replicaAckShortfalls, stat: 'Sum' },
    ],
  },
  {
    title: 'State rebuild duration (ms)',
    unit: 'ms',
    metrics: [{ name: METRICS.stateRebuildMs, stat: 'Maximum', dimension: 'trigger' }],
  },
  {
    title: 'Reservations: expired unacknowledged, book conflicts (decisions re-made)',
    unit: 'count',
    metrics: [
      { name: METRICS.reservationsExpired, stat: 'Sum' },
      { name: METRICS.bookConflicts, stat: 'Sum' },
    ],
  },
  {
    title: 'Partition maintenance: created, dropped, rows in DEFAULT',
    unit: 'count',
    metrics: [
      { name: METRICS.partitionsCreated, stat: 'Sum' },
      { name: METRICS.partitionsDropped, stat: 'Sum' },
      { name: METRICS.partitionRowsInDefault, stat: 'Maximum' },
    ],
  },
  {
    title: 'Partition maintenance: days ahead (fewest over the tables)',
    unit: 'count',
    metrics: [{ name: METRICS.partitionDaysAhead, stat: 'Minimum' }],
  },
  {
    title: 'Account feed: executions, duplicates, accounts failed closed, reconnects',
    unit: 'count',
    metrics: [
      { name: METRICS.accountFeedEvents, stat: 'Sum' },
      { name: METRICS.accountFeedDuplicates, stat: 'Sum' },
      { name: METRICS.accountFeedFailedClosed, stat: 'Maximum' },
      { name: METRICS.accountFeedReconnects, stat: 'Sum' },
    ],
  },
  {
    title: "Unvetted orders and the dead man's switch",
    unit: 'count',
    metrics: [
      { name: METRICS.unvettedOrders, stat: 'Sum' },
      { name: METRICS.unvettedOrdersCanceled, stat: 'Sum' },
      { name: METRICS.deadMansSwitchArmed, stat: 'Sum' },
      { name: METRICS.deadMansSwitchWithheld, stat: 'Sum' },
    ],
  },
];

const RUNBOOKS = 'docs/runbooks/kill-switch.md';
const PARTITION_RUNBOOK = 'docs/data-durability.md#retention-of-the-partitioned-tables';
const ACCOUNT_FEED_RUNBOOK = 'docs/runbooks/account-feed.md';
const CACHE_LOSS_RUNBOOK = 'docs/runbooks/cache-loss.md';

/** Pages an SRE; each names what to do. Thresholds are the SLOs' early warnings. */
export const ALARMS: readonly AlarmSpec[] = [
  {
    id: 'AuditWriteFailures',
    metric: { name: METRICS.auditWriteFailures, stat: 'Sum' },
    threshold: 0,
    periods: 1,
    description: 'A decision could not be written to the spool or the audit table: its record is only in the logs.',
    runbook: 'docs/risk-api.md#the-audit-guarantee',
  },
  {
    id: 'AuditSpoolBacklog',
    metric: { name: METRICS.auditSpoolLength, stat: 'Maximum' },
    threshold: 50_000,
    periods: 5,
    description: 'Decisions are piling up in the Redis spool: Aurora or the drainer is failing.',
    runbook: 'docs/risk-api.md#the-audit-guarantee',
  },
  {
    id: 'AuditDeadLetters',
    metric: { name: METRICS.auditSpoolDeadLetters, stat: 'Maximum' },
    threshold: 0,
    periods: 1,
    description:
      'An audit record could not be read back from the spool and waits in audit:spool:dead: recover it by hand.',
    runbook: 'docs/risk-api.md#the-audit-guarantee',
  },
  {
    id: 'KillExecutorFailures',
    metric: { name: METRICS.killExecutorFailures, stat: 'Sum' },
    threshold: 0,
    periods: 1,
    description: 'CancelAll failed for at least one account after a kill switch: cancel on Kraken by hand.',
    runbook: RUNBOOKS,
  },
  {
    id: 'KillSwitchSlow',
    metric: { name: METRICS.killSwitchResponseMs, stat: 'Maximum' },
    threshold: 60_000,
    periods: 1,
    description: 'Engage to all cancels confirmed took over the 60 s SLO.',
    runbook: RUNBOOKS,
  },
  {
    id: 'IngestBufferOverflow',
    metric: { name: METRICS.ingestBufferOverflow, stat: 'Sum' },
    threshold: 0,
    periods: 1,
    description: 'The ingester dropped events from its Kinesis buffer: the durable path is degraded.',
    runbook: 'docs/ingester.md#runbook',
  },
  {
    id: 'MarketDataStale',
    metric: { name: METRICS.ingestDataAgeMs, stat: 'Maximum' },
    threshold: 5_000,
    periods: 2,
    description: 'Market data is older than 5 s: the risk API is rejecting everything as stale.',
    runbook: 'docs/ingester.md#runbook',
  },
  {
    id: 'DecisionLatencyP99',
    metric: { name: METRICS.decisionLatencyMs, stat: 'p99', dimension: 'decision' },
    threshold: 50,
    periods: 5,
    description: 'Risk decisions p99 above 50 ms (SLO of the old platform: p95 200 ms).',
    runbook: 'docs/risk-api.md#state-and-failure-behaviour',
  },
  {
    id: 'PartitionRowsInDefault',
    metric: { name: METRICS.partitionRowsInDefault, stat: 'Maximum' },
    threshold: 0,
    periods: 1,
    description:
      'Rows reached a DEFAULT partition: a day had no partition when they were written. The job moves them; find why the day was missing.',
    runbook: PARTITION_RUNBOOK,
  },
  {
    id: 'PartitionDaysAhead',
    metric: { name: METRICS.partitionDaysAhead, stat: 'Minimum' },
    threshold: 7,
    periods: 1,
    periodSeconds: 86_400,
    fires: 'below',
    // The job reports once a day: a day without the metric means it did not run.
    missingData: 'breaching',
    description:
      'Fewer than 7 days of partitions ahead, or partition maintenance did not report for a day: rows will land in DEFAULT.',
    runbook: PARTITION_RUNBOOK,
  },
  {
    id: 'AccountFeedFailedClosed',
    metric: { name: METRICS.accountFeedFailedClosed, stat: 'Maximum' },
    threshold: 0,
    // A reconnect fails an account closed for a few seconds; three minutes is an outage.
    periods: 3,
    // Every task reports each second, 0 included: silence means no task is serving.
    missingData: 'breaching',
    description:
      "An account's private Kraken feed has been failed closed for 3 minutes (or no feed task reports): its orders are rejected.",
    runbook: `${ACCOUNT_FEED_RUNBOOK}#feed-silent-or-failed-closed`,
  },
  {
    id: 'UnvettedOrders',
    metric: { name: METRICS.unvettedOrders, stat: 'Sum' },
    threshold: 0,
    periods: 1,
    description: 'An order reached Kraken without an accepted decision behind it: something trades around the gate.',
    runbook: `${ACCOUNT_FEED_RUNBOOK}#unvetted-order`,
  },
  {
    id: 'DeadMansSwitchWithheld',
    metric: { name: METRICS.deadMansSwitchWithheld, stat: 'Sum' },
    threshold: 0,
    periods: 1,
    description:
      "The gate is unhealthy and the dead man's switch is no longer refreshed: Kraken cancels the accounts' open orders within 60 s.",
    runbook: `${ACCOUNT_FEED_RUNBOOK}#dead-mans-switch`,
  },
  {
    id: 'ReservationsExpired',
    metric: { name: METRICS.reservationsExpired, stat: 'Sum' },
    // A strategy that validates and then does not send expires a reservation now and then;
    // a steady stream means acknowledgements from Kraken are not reaching the gate.
    threshold: 10,
    periods: 5,
    description:
      'Accepted orders keep expiring unacknowledged: the account feed or the positions consumer is not delivering executions.',
    runbook: `${ACCOUNT_FEED_RUNBOOK}#reservations-expiring`,
  },
  {
    id: 'BalanceDrift',
    metric: { name: METRICS.balanceDrift, stat: 'Maximum' },
    // A balance update can land a batch before the fill that explains it, so one period past
    // the tolerance is expected; three in a row is a fill or a balance the ledger missed.
    threshold: 1,
    periods: 3,
    description:
      "An account's Kraken balance differs from its position by more than 1% (the log names the asset): a fill was missed or booked twice, or something outside the gate traded.",
    runbook: `${ACCOUNT_FEED_RUNBOOK}#balance-drift`,
  },
  {
    id: 'StateEpochMissing',
    metric: { name: METRICS.stateEpochMissing, stat: 'Sum' },
    threshold: 0,
    periods: 1,
    description:
      'The cache holds no state epoch (lost, flushed or failed over empty): every order is rejected until the state rebuild runs.',
    runbook: `${CACHE_LOSS_RUNBOOK}#1-the-cache-came-back-empty-or-old-let-the-rebuild-run`,
  },
  {
    id: 'ReplicaAckShortfalls',
    metric: { name: METRICS.replicaAckShortfalls, stat: 'Sum' },
    threshold: 0,
    periods: 1,
    description:
      'A control or reservation write was acknowledged by fewer cache replicas than configured: a failover now could lose it.',
    runbook: `${CACHE_LOSS_RUNBOOK}#what-protects-the-gate`,
  },
  {
    id: 'BookConflictsSustained',
    metric: { name: METRICS.bookConflicts, stat: 'Sum' },
    // A conflict now and then is two requests racing for one account, and the re-made decision
    // is correct; a steady stream ends in BOOK_CONTENDED rejects for a busy account.
    threshold: 20,
    periods: 5,
    description:
      'Decisions keep being re-made because the account book moved under them: busy accounts are being rejected BOOK_CONTENDED.',
    runbook: 'docs/risk-api.md#reason-codes',
  },
  {
    id: 'SecretPlaceholder',
    metric: { name: METRICS.secretPlaceholder, stat: 'Sum' },
    threshold: 0,
    periods: 1,
    description:
      'A secret still holds the placeholder CDK created (the CoinGecko key): calls go out unkeyed at public rate limits. Set it.',
    runbook: 'docs/runbooks/onboarding-an-account.md#the-coingecko-key-once-per-stage',
  },
];
