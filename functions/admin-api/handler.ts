import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { CATALOGUE } from '../../shared/metrics/catalogue.js';
import { emitMetric } from '../../shared/metrics/emit.js';
import { logger, metrics, tracer } from '../../shared/runtime/observability.js';
import { createAdminApi } from './app.js';
import { loadAdminApiConfig } from './config.js';
import { createAdminRouter } from './router.js';

const config = loadAdminApiConfig();
const api = await createAdminApi(config, {
  onStateChange: (scope, engaged) => {
    emitMetric(metrics, CATALOGUE.killSwitchState, engaged ? 1 : 0, { scope });
  },
  onDurabilityGap: (what, error) => {
    emitMetric(metrics, CATALOGUE.replicaAckShortfalls, 1);
    logger.error('kill switch change not yet safe from a cache failover', { what, error: String(error) });
  },
});
const route = createAdminRouter(api.services, {
  onEngaged: (result) => {
    if (result.outcome === 'partial') emitMetric(metrics, CATALOGUE.killSwitchChannelFailures, 1);
  },
});

/** Request bodies are never logged here: the Kraken key route carries secrets. */
export async function adminApiHandler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const result = await route(event);
  logger.info('admin request', { path: event.path, method: event.httpMethod, status: result.statusCode });
  return result;
}

export const handler = middy(adminApiHandler)
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
