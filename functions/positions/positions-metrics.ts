import { CATALOGUE } from '../../shared/metrics/catalogue.js';
import { emitMetric, type MetricsSink } from '../../shared/metrics/emit.js';
import type { logger as sharedLogger } from '../../shared/runtime/observability.js';
import type { PositionsSummary } from './process-batch.js';

/** One positions batch's metrics, and the log lines that name what the metrics cannot (account, asset). */
export function recordPositionsMetrics(
  sink: MetricsSink,
  log: Pick<typeof sharedLogger, 'info' | 'warn'>,
  summary: PositionsSummary,
): void {
  emitMetric(sink, CATALOGUE.fillsApplied, summary.applied);
  emitMetric(sink, CATALOGUE.fillsDuplicate, summary.duplicates);
  emitMetric(sink, CATALOGUE.positionsPoisonRecords, summary.poison);
  emitMetric(sink, CATALOGUE.orderEventsApplied, summary.orderEvents);
  emitMetric(sink, CATALOGUE.orderEventsDuplicate, summary.orderEventsDuplicate);
  emitMetric(sink, CATALOGUE.unreservedOrders, summary.unreserved);
  emitMetric(sink, CATALOGUE.reservationsExpired, summary.reservationsExpired);
  if (summary.balanceDrift) {
    const { accountId, asset, relative } = summary.balanceDrift;
    // Percent, so the alarm's threshold reads as the runbook's tolerance (1 = 1%).
    emitMetric(sink, CATALOGUE.balanceDrift, relative.toNumber() * 100);
    if (relative.toNumber() > 0)
      log.warn('balance drifts from position', { accountId, asset, relative: relative.toString() });
  }
  if (summary.unreserved > 0 || summary.reservationsExpired > 0) {
    log.info('order book changes outside the gate', {
      unreserved: summary.unreserved,
      reservationsExpired: summary.reservationsExpired,
    });
  }
}
