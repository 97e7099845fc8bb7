import { CATALOGUE, type CatalogueKey, type CatalogueMetric } from './catalogue.js';

/**
 * What one data point of each catalogue metric means (docs/metrics.md's Meaning column, via
 * dashboards/metrics-doc.ts). Apart from shared/metrics/catalogue.ts because that file is in
 * every Lambda bundle and no function reads the prose: keeping it out shortens what each cold
 * start parses (docs/cold-start.md). Runtime code must not import this file. The type makes
 * every catalogue key need one, and only those.
 */
export const METRIC_MEANINGS: { readonly [K in CatalogueKey]: string } = {
  decisions: 'One per decision answered by POST /v1/risk/validate (decision: accept | reject).',
  decisionLatencyMs: 'Time from the request reaching the handler to the decision, of every decision (the latency SLO).',
  rejectReasons: 'One per reason a decision rejected (code: the reason code).',
  stateUnavailable:
    'Decisions rejected RISK_STATE_UNAVAILABLE: Redis or PostgreSQL did not answer in time (fail closed).',
  auditWriteFailures:
    'Decisions answered whose audit record reached neither the spool nor the audit table: it is only in the logs (a lost audit record).',
  auditSpoolOnly:
    'Decisions acknowledged by too few cache replicas whose direct audit-table write also failed: the record is on the primary spool alone.',
  auditDrainFailures:
    'Spool batches the drainer could not copy to PostgreSQL; the records stay in the spool and are retried.',
  reservationEventsDrainFailures:
    'Drainer runs whose reservation-event copy failed; the events stay in their stream and are retried.',
  auditRecordsDrained: 'Audit records copied from the spool to PostgreSQL by one drainer run.',
  auditSpoolLength: 'Records left in the Redis audit spool at the end of a drainer run.',
  auditSpoolDeadLetters: 'Audit records that could not be read back from the spool, parked in audit:spool:dead.',
  healthChecks: 'One per GET /v1/health answered.',
  killSwitchState: '1 when a kill switch of the scope (global | account | symbol) was engaged, 0 when released.',
  killSwitchResponseMs: 'Kill switch engage to all cancels confirmed, per executor run (the kill switch SLO).',
  killSwitchChannelFailures: 'Kill switch engages answered 207: a notification channel failed.',
  killExecutorCancels: 'Accounts whose Kraken CancelAll succeeded in one executor run.',
  killExecutorFailures: 'Accounts whose Kraken CancelAll failed in one executor run.',
  ingestFrames: 'Kraken public WS frames handled since the last report.',
  ingestChecksumMismatches: 'Book checksum mismatches (each resubscribes the symbol).',
  ingestReconnects: 'Reconnects of the public WS since the last report.',
  ingestPublishLatencyMs: 'Duration of one Kinesis PutRecords call of market-events.',
  ingestPublishErrors: 'Records a PutRecords call failed (re-queued).',
  ingestBufferOverflow: 'Market events dropped from the full Kinesis buffer.',
  ingestDataAgeMs: 'Age of the newest book update of a symbol, reported each metrics interval (the freshness SLO).',
  ingestHeartbeatAgeMs: "Age of Kraken's last heartbeat on the public WS, reported each metrics interval.",
  evaluatorEventsApplied: 'Market events a batch applied to the breakers.',
  evaluatorDuplicates: 'Market events a batch had already applied (redelivery).',
  evaluatorPoisonRecords: 'Records of market-events that could not be parsed, skipped by a batch.',
  evaluatorIteratorAgeMs: "Age of a batch's oldest record when the batch is handled.",
  breakerTransitions: 'Breaker causes that tripped or cleared in one run.',
  timeSeriesRejectedRecords: 'Ticks or bars the time-series sink refused.',
  referencePricesWritten: 'Reference prices written to the cache by one run.',
  referencePricesStale: 'Symbols whose CoinGecko price was too old to write in one run.',
  referenceRateLimited: '1 per run that did not refresh (CoinGecko 429 or its Retry-After), 0 otherwise.',
  fillsApplied: 'Fills a positions batch applied.',
  fillsDuplicate: 'Fills a positions batch had already applied.',
  universeSize: 'Symbols in the tradable universe after a refresh.',
  partitionsCreated: 'Daily partitions the maintenance run created (ahead, or to recover DEFAULT rows).',
  partitionsDropped: 'Daily partitions dropped past their retention.',
  secretPlaceholder: 'One per call made while a secret still holds its placeholder (the CoinGecko key nobody set).',
  partitionRowsInDefault: 'Rows found in a DEFAULT partition at the start of a maintenance run.',
  partitionDaysAhead: 'Fewest days after today that every partitioned table has a partition for.',
  accountFeedEvents: 'Execution events the private feed published to Kinesis executions since the last report.',
  accountFeedDuplicates: 'Executions dropped as duplicates (reconnect snapshots, repeated frames).',
  ordersSettledFromHistory:
    "Orders that closed while an account's private feed was away, settled from Kraken's order history (QueryOrders).",
  ordersLeftWorking:
    'Orders that closed while the feed was away and that the order history could not settle (missed fills, no answer): left working for an operator; counted at each check.',
  accountFeedFailedClosed:
    'Accounts served by a task whose private feed is failed closed, reported each status interval (0 included).',
  accountFeedReconnects: 'Disconnects of an account private feed.',
  unvettedOrders: 'Orders seen on Kraken with no accepted decision behind them.',
  unvettedOrdersCanceled: 'Unvetted orders the feed canceled on Kraken.',
  deadMansSwitchArmed: 'cancel_all_orders_after refreshes sent while the gate is healthy.',
  deadMansSwitchWithheld: "Dead man's switch refreshes withheld because the gate is unhealthy.",
  stateEpochMissing: 'Decisions rejected because the cache holds no state epoch (not rebuilt).',
  stateRebuilds: 'State rebuild runs that restored the cache (trigger: missing | behind | forced).',
  stateRebuildMs: 'Start of a rebuild to the epoch written (the cache serving again).',
  replicaAckShortfalls: 'Control or reservation writes acknowledged by fewer cache replicas than configured.',
  reservationsExpired: 'Pending reservations nobody acknowledged within their TTL, removed and audited.',
  bookConflicts: 'Decisions re-made because the account book moved between load and commit.',
  orderEventsApplied: 'Order events (executions) a positions batch applied.',
  orderEventsDuplicate: 'Order events a positions batch had already applied.',
  unreservedOrders: 'Orders on Kraken the positions consumer found with no reservation behind them.',
  balanceDrift: 'Largest |Kraken balance - position| / |balance| of a positions batch that applied balances, percent.',
  positionsPoisonRecords: 'Records of executions that could not be read, parked in the positions DLQ.',
};

/** The meaning of a catalogue entry. */
export function meaningOf(metric: CatalogueMetric): string {
  const key = (Object.keys(CATALOGUE) as CatalogueKey[]).find((k) => CATALOGUE[k] === metric);
  if (!key) throw new Error(`${metric.name} is not a catalogue entry`);
  return METRIC_MEANINGS[key];
}
