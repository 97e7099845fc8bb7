import { CATALOGUE } from '../../shared/metrics/catalogue.js';
import { emitMetric, type MetricsSink } from '../../shared/metrics/emit.js';
import type { MaintenanceReport } from './maintain-partitions.js';

/**
 * The run's metrics, with the service dimension only (what the alarms name). Days ahead is
 * left out when no day-partitioned table was maintained: a made-up value would hide that.
 */
export function recordMaintenanceMetrics(report: MaintenanceReport, sink: MetricsSink): void {
  emitMetric(sink, CATALOGUE.partitionsCreated, report.partitionsCreated);
  emitMetric(sink, CATALOGUE.partitionsDropped, report.partitionsDropped);
  emitMetric(sink, CATALOGUE.partitionRowsInDefault, report.rowsFoundInDefault);
  if (report.daysAhead !== null) emitMetric(sink, CATALOGUE.partitionDaysAhead, report.daysAhead);
}
