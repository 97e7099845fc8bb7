import { CATALOGUE } from '../../shared/metrics/catalogue.js';
import { emitMetric, type MetricsSink } from '../../shared/metrics/emit.js';
import type { DrainReport } from './drain-audit-spool.js';

/** One drainer run's metrics: what moved, what failed (and stays to retry), what is left and parked. */
export function recordDrainMetrics(sink: MetricsSink, report: DrainReport): void {
  emitMetric(sink, CATALOGUE.auditRecordsDrained, report.moved);
  emitMetric(sink, CATALOGUE.auditDrainFailures, report.failures);
  emitMetric(sink, CATALOGUE.auditSpoolLength, report.spoolLength);
  emitMetric(sink, CATALOGUE.auditSpoolDeadLetters, report.deadLetters);
}

/** The reservation events' copy failed this run; they stay in their stream. */
export function recordReservationDrainFailure(sink: MetricsSink): void {
  emitMetric(sink, CATALOGUE.reservationEventsDrainFailures, 1);
}
