import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { CATALOGUE } from '../../shared/metrics/catalogue.js';
import { emitMetric } from '../../shared/metrics/emit.js';
import { logger, metrics, tracer } from '../../shared/runtime/observability.js';
import { createUniverseApp } from './app.js';
import { loadUniverseConfig } from './config.js';

/** Parsed and connected once per cold start: a bad variable fails the init, naming it. */
const app = await createUniverseApp(loadUniverseConfig());

/** EventBridge, daily. */
export async function universeHandler(): Promise<{ version: number; size: number }> {
  const result = await app.refresh();
  emitMetric(metrics, CATALOGUE.universeSize, result.symbols.length);
  logger.info('universe published', { version: result.version, symbols: result.symbols });
  return { version: result.version, size: result.symbols.length };
}

export const handler = middy(universeHandler)
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
