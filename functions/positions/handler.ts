import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { METRICS } from '../../shared/names.js';
import { logger, metrics, tracer } from '../../shared/runtime/observability.js';
import { createPositionsApp } from './app.js';
import { loadPositionsConfig } from './config.js';

const app = await createPositionsApp(loadPositionsConfig(), (summary) => {
  metrics.addMetric(METRICS.fillsApplied, MetricUnit.Count, summary.applied);
  metrics.addMetric(METRICS.fillsDuplicate, MetricUnit.Count, summary.duplicates);
  metrics.addMetric(METRICS.positionsPoisonRecords, MetricUnit.Count, summary.poison);
  metrics.addMetric(METRICS.orderEventsApplied, MetricUnit.Count, summary.orderEvents);
  metrics.addMetric(METRICS.orderEventsDuplicate, MetricUnit.Count, summary.orderEventsDuplicate);
  metrics.addMetric(METRICS.unreservedOrders, MetricUnit.Count, summary.unreserved);
  metrics.addMetric(METRICS.reservationsExpired, MetricUnit.Count, summary.reservationsExpired);
  if (summary.balanceDrift) {
    const { accountId, asset, relative } = summary.balanceDrift;
    // Percent, so the alarm's threshold reads as the runbook's tolerance (1 = 1%).
    metrics.addMetric(METRICS.balanceDrift, MetricUnit.Percent, relative.toNumber() * 100);
    if (relative.toNumber() > 0)
      logger.warn('balance drifts from position', { accountId, asset, relative: relative.toString() });
  }
  if (summary.unreserved > 0 || summary.reservationsExpired > 0) {
    logger.info('order book changes outside the gate', {
      unreserved: summary.unreserved,
      reservationsExpired: summary.reservationsExpired,
    });
  }
});

export const handler = middy(app.handle)
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
