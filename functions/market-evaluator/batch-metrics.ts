import { CATALOGUE } from '../../shared/metrics/catalogue.js';
import { emitMetric, type MetricsSink } from '../../shared/metrics/emit.js';
import type { BatchSummary } from './evaluator.js';

/** One batch's metrics; `oldestArrivalMs` is the batch's oldest record's arrival (none for an empty batch). */
export function recordBatchMetrics(
  sink: MetricsSink,
  summary: BatchSummary,
  oldestArrivalMs: number | null,
  nowMs: number,
): void {
  emitMetric(sink, CATALOGUE.evaluatorEventsApplied, summary.applied);
  emitMetric(sink, CATALOGUE.evaluatorDuplicates, summary.duplicates);
  emitMetric(sink, CATALOGUE.evaluatorPoisonRecords, summary.poison);
  emitMetric(sink, CATALOGUE.breakerTransitions, summary.transitions.length);
  if (oldestArrivalMs !== null) emitMetric(sink, CATALOGUE.evaluatorIteratorAgeMs, nowMs - oldestArrivalMs);
}
