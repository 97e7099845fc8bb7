import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { logger, metrics, tracer } from '../../shared/runtime/observability.js';
import { createPartitionMaintenanceApp } from './app.js';
import { loadPartitionMaintenanceConfig } from './config.js';
import { type MaintenanceReport, PartitionMaintenanceFailedError } from './maintain-partitions.js';
import { recordMaintenanceMetrics } from './maintenance-metrics.js';

/** Parsed once per cold start: a bad variable fails the init, not the daily run. */
const app = createPartitionMaintenanceApp(loadPartitionMaintenanceConfig());

/**
 * EventBridge, daily. Measures first, then fails the invocation when a table could not be
 * maintained, so the Errors alarm and EventBridge's retry both see it.
 */
export async function partitionMaintenanceHandler(): Promise<MaintenanceReport> {
  const report = await app.run();
  recordMaintenanceMetrics(report, metrics);
  for (const table of report.tables) logger.info('partition maintenance', { ...table });
  const stranded = report.tables.filter((t) => t.rowsLeftInDefault > 0);
  if (stranded.length > 0) {
    logger.warn('rows older than retention left in DEFAULT for an operator', {
      tables: stranded.map((t) => ({ table: t.table, rows: t.rowsLeftInDefault })),
    });
  }
  if (report.failedTables.length > 0) throw new PartitionMaintenanceFailedError(report);
  return report;
}

export const handler = middy(partitionMaintenanceHandler)
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
