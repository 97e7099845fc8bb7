import { Metrics } from '@aws-lambda-powertools/metrics';
import { describe, expect, it } from 'vitest';
import { METRICS } from '../../shared/names.js';
import type { MaintenanceReport } from './maintain-partitions.js';
import { recordMaintenanceMetrics } from './maintenance-metrics.js';

const report: MaintenanceReport = {
  today: '2031-03-10',
  tables: [],
  partitionsCreated: 9,
  partitionsDropped: 2,
  rowsFoundInDefault: 5,
  daysAhead: 14,
  failedTables: [],
};

/** The EMF document the run would print, read back as metric name -> value. */
function emitted(sink: Metrics): { values: Record<string, unknown>; dimensions: string[][] } {
  const emf = sink.serializeMetrics();
  const directive = emf._aws.CloudWatchMetrics[0];
  const names = (directive?.Metrics ?? []).map((m) => m.Name);
  return {
    values: Object.fromEntries(names.map((name) => [name, (emf as unknown as Record<string, unknown>)[name]])),
    dimensions: directive?.Dimensions ?? [],
  };
}

describe('Function: recordMaintenanceMetrics', () => {
  it('emits created, dropped, rows in DEFAULT and days ahead with the service dimension only', () => {
    // Prepare
    const sink = new Metrics({ namespace: 'Test', serviceName: 'risk-gate' });

    // Act
    recordMaintenanceMetrics(report, sink);

    // Assess
    const { values, dimensions } = emitted(sink);
    expect(values).toEqual({
      [METRICS.partitionsCreated]: 9,
      [METRICS.partitionsDropped]: 2,
      [METRICS.partitionRowsInDefault]: 5,
      [METRICS.partitionDaysAhead]: 14,
    });
    expect(dimensions).toEqual([['service']]);
  });

  it('leaves days ahead out when no day-partitioned table was maintained', () => {
    // Prepare
    const sink = new Metrics({ namespace: 'Test', serviceName: 'risk-gate' });

    // Act
    recordMaintenanceMetrics({ ...report, daysAhead: null }, sink);

    // Assess
    expect(Object.keys(emitted(sink).values)).not.toContain(METRICS.partitionDaysAhead);
  });
});
