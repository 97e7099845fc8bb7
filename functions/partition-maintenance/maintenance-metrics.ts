import type { Metrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS } from '../../shared/names.js';
import type { MaintenanceReport } from './maintain-partitions.js';

/**
 * The run's metrics, with the service dimension only (what the alarms name). Days ahead is
 * left out when no day-partitioned table was maintained: a made-up value would hide that.
 */
export function recordMaintenanceMetrics(report: MaintenanceReport, sink: Metrics): void {
  sink.addMetric(METRICS.partitionsCreated, MetricUnit.Count, report.partitionsCreated);
  sink.addMetric(METRICS.partitionsDropped, MetricUnit.Count, report.partitionsDropped);
  sink.addMetric(METRICS.partitionRowsInDefault, MetricUnit.Count, report.rowsFoundInDefault);
  if (report.daysAhead !== null) sink.addMetric(METRICS.partitionDaysAhead, MetricUnit.Count, report.daysAhead);
}
