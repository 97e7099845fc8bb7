import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { KinesisStreamEvent } from 'aws-lambda';
import { METRICS } from '../../shared/names.js';
import { logger, metrics, tracer } from '../../shared/runtime/observability.js';
import { createMarketEvaluatorApp } from './app.js';
import { loadMarketEvaluatorConfig } from './config.js';
import type { BatchSummary } from './evaluator.js';
import { createMarketEventsHandler } from './process-batch.js';

const config = loadMarketEvaluatorConfig();
const app = await createMarketEvaluatorApp(config, {
  onRejectedTimeSeries: (count) => metrics.addMetric(METRICS.timeSeriesRejectedRecords, MetricUnit.Count, count),
  onStaleConfig: (error) => logger.warn('breaker config refresh failed; serving the cached set', { error }),
});

function recordSummary(summary: BatchSummary, event: KinesisStreamEvent): void {
  metrics.addMetric(METRICS.evaluatorEventsApplied, MetricUnit.Count, summary.applied);
  metrics.addMetric(METRICS.evaluatorDuplicates, MetricUnit.Count, summary.duplicates);
  metrics.addMetric(METRICS.evaluatorPoisonRecords, MetricUnit.Count, summary.poison);
  metrics.addMetric(METRICS.breakerTransitions, MetricUnit.Count, summary.transitions.length);
  const oldest = Math.min(...event.Records.map((r) => r.kinesis.approximateArrivalTimestamp * 1000));
  if (Number.isFinite(oldest))
    metrics.addMetric(METRICS.evaluatorIteratorAgeMs, MetricUnit.Milliseconds, Date.now() - oldest);
  for (const t of summary.transitions) logger.info('breaker change', { ...t });
}

export const handler = middy(createMarketEventsHandler(app.evaluator, recordSummary))
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
