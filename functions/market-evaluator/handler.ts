import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { KinesisStreamEvent } from 'aws-lambda';
import { CATALOGUE } from '../../shared/metrics/catalogue.js';
import { emitMetric } from '../../shared/metrics/emit.js';
import { logger, metrics, tracer } from '../../shared/runtime/observability.js';
import { createMarketEvaluatorApp } from './app.js';
import { recordBatchMetrics } from './batch-metrics.js';
import { loadMarketEvaluatorConfig } from './config.js';
import type { BatchSummary } from './evaluator.js';
import { createMarketEventsHandler } from './process-batch.js';

const config = loadMarketEvaluatorConfig();
const app = await createMarketEvaluatorApp(config, {
  onRejectedTimeSeries: (count) => emitMetric(metrics, CATALOGUE.timeSeriesRejectedRecords, count),
  onStaleConfig: (error) => logger.warn('breaker config refresh failed; serving the cached set', { error }),
});

function recordSummary(summary: BatchSummary, event: KinesisStreamEvent): void {
  const oldest = Math.min(...event.Records.map((r) => r.kinesis.approximateArrivalTimestamp * 1000));
  recordBatchMetrics(metrics, summary, Number.isFinite(oldest) ? oldest : null, Date.now());
  for (const t of summary.transitions) logger.info('breaker change', { ...t });
}

export const handler = middy(createMarketEventsHandler(app.evaluator, recordSummary))
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
