import { CATALOGUE } from '../../shared/metrics/catalogue.js';
import { emitMetric, type MetricsSink } from '../../shared/metrics/emit.js';

/** What the account feed's sessions did since the last report, summed over the accounts served. */
export interface AccountFeedCounts {
  readonly events: number;
  readonly duplicates: number;
  readonly unvetted: number;
  readonly unvettedCanceled: number;
  readonly armed: number;
  readonly withheld: number;
  readonly settled: number;
  readonly leftWorking: number;
}

const COUNTERS = [
  ['events', CATALOGUE.accountFeedEvents],
  ['duplicates', CATALOGUE.accountFeedDuplicates],
  ['unvetted', CATALOGUE.unvettedOrders],
  ['unvettedCanceled', CATALOGUE.unvettedOrdersCanceled],
  ['armed', CATALOGUE.deadMansSwitchArmed],
  ['withheld', CATALOGUE.deadMansSwitchWithheld],
  ['settled', CATALOGUE.ordersSettledFromHistory],
  ['leftWorking', CATALOGUE.ordersLeftWorking],
] as const;

/** The counters since the last report, as EMF counts (no per-account dimension: logs name the account). */
export function recordAccountFeedCounts(sink: MetricsSink, since: AccountFeedCounts): void {
  for (const [field, metric] of COUNTERS) emitMetric(sink, metric, Math.max(0, since[field]));
}

/** Accounts failed closed at a status pass, 0 included: silence means no task is serving. */
export function recordFailedClosed(sink: MetricsSink, failedClosed: number): void {
  emitMetric(sink, CATALOGUE.accountFeedFailedClosed, failedClosed);
}
