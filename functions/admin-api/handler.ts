import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { METRICS } from '../../shared/names.js';
import { logger, metrics, tracer } from '../../shared/runtime/observability.js';
import { createAdminApi } from './app.js';
import { loadAdminApiConfig } from './config.js';
import { createAdminRouter } from './router.js';

const config = loadAdminApiConfig();
const api = await createAdminApi(config, {
  onStateChange: (scope, engaged) => {
    const single = metrics.singleMetric();
    single.addDimension('scope', scope);
    single.addMetric(METRICS.killSwitchState, MetricUnit.Count, engaged ? 1 : 0);
  },
  onDurabilityGap: (what, error) => {
    metrics.addMetric(METRICS.replicaAckShortfalls, MetricUnit.Count, 1);
    logger.error('kill switch change not yet safe from a cache failover', { what, error: String(error) });
  },
});
const route = createAdminRouter(api.services, {
  onEngaged: (result) => {
    if (result.outcome === 'partial') metrics.addMetric(METRICS.killSwitchChannelFailures, MetricUnit.Count, 1);
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
