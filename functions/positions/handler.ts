import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { CATALOGUE } from '../../shared/metrics/catalogue.js';
import { emitMetric } from '../../shared/metrics/emit.js';
import { logger, metrics, tracer } from '../../shared/runtime/observability.js';
import { createPositionsApp } from './app.js';
import { loadPositionsConfig } from './config.js';

const app = await createPositionsApp(loadPositionsConfig(), (summary) => {
  emitMetric(metrics, CATALOGUE.fillsApplied, summary.applied);
  emitMetric(metrics, CATALOGUE.fillsDuplicate, summary.duplicates);
  emitMetric(metrics, CATALOGUE.positionsPoisonRecords, summary.poison);
  emitMetric(metrics, CATALOGUE.orderEventsApplied, summary.orderEvents);
  emitMetric(metrics, CATALOGUE.orderEventsDuplicate, summary.orderEventsDuplicate);
  emitMetric(metrics, CATALOGUE.unreservedOrders, summary.unreserved);
  emitMetric(metrics, CATALOGUE.reservationsExpired, summary.reservationsExpired);
  if (summary.balanceDrift) {
    const { accountId, asset, relative } = summary.balanceDrift;
    // Percent, so the alarm's threshold reads as the runbook's tolerance (1 = 1%).
    emitMetric(metrics, CATALOGUE.balanceDrift, relative.toNumber() * 100);
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
