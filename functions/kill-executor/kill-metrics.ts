import { CATALOGUE } from '../../shared/metrics/catalogue.js';
import { emitMetric, type MetricsSink } from '../../shared/metrics/emit.js';
import type { AccountResult } from './ports.js';

/** One executor run's metrics: cancels confirmed, cancels failed, and engage-to-done time (the kill switch SLO). */
export function recordKillMetrics(
  sink: MetricsSink,
  results: readonly AccountResult[],
  engagedAt: string,
  nowMs: number,
): void {
  emitMetric(sink, CATALOGUE.killExecutorCancels, results.filter((r) => r.outcome === 'ok').length);
  emitMetric(sink, CATALOGUE.killExecutorFailures, results.filter((r) => r.outcome === 'failed').length);
  emitMetric(sink, CATALOGUE.killSwitchResponseMs, nowMs - Date.parse(engagedAt));
}
