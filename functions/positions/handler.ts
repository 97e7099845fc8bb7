import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { logger, metrics, tracer } from '../../shared/runtime/observability.js';
import { createPositionsApp } from './app.js';
import { loadPositionsConfig } from './config.js';
import { recordPositionsMetrics } from './positions-metrics.js';

const app = await createPositionsApp(loadPositionsConfig(), (summary) =>
  recordPositionsMetrics(metrics, logger, summary),
);

export const handler = middy(app.handle)
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
