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
  metrics.addMetric(METRICS.evaluatorPoisonRecords, MetricUnit.Count, summary.poison);
});

export const handler = middy(app.handle)
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
