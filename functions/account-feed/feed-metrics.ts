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

/** Every count at zero: the start of a report's sums. */
export const noCounts = (): { -readonly [K in keyof AccountFeedCounts]: number } => ({
  events: 0,
  duplicates: 0,
  unvetted: 0,
  unvettedCanceled: 0,
  armed: 0,
  withheld: 0,
  settled: 0,
  leftWorking: 0,
});

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
