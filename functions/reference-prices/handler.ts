import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { CATALOGUE } from '../../shared/metrics/catalogue.js';
import { emitMetric } from '../../shared/metrics/emit.js';
import { logger, metrics, tracer } from '../../shared/runtime/observability.js';
import { createReferencePricesApp } from './app.js';
import { loadReferencePricesConfig } from './config.js';

const app = await createReferencePricesApp(loadReferencePricesConfig());

/** EventBridge, every minute. A malformed CoinGecko answer fails the run (Errors alarm). */
export async function referencePricesHandler(): Promise<{ outcome: string }> {
  const summary = await app.refresh();
  emitMetric(metrics, CATALOGUE.referencePricesWritten, summary.written.length);
  emitMetric(metrics, CATALOGUE.referencePricesStale, summary.stale.length);
  emitMetric(metrics, CATALOGUE.referenceRateLimited, summary.outcome === 'refreshed' ? 0 : 1);
  emitMetric(metrics, CATALOGUE.breakerTransitions, summary.transitions.length);
  for (const t of summary.transitions) logger.info('breaker change', { ...t });
  if (summary.stale.length > 0) logger.warn('stale reference quotes ignored', { symbols: summary.stale });
  return { outcome: summary.outcome };
}

export const handler = middy(referencePricesHandler)
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
