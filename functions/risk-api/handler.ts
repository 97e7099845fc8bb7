import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { logger, metrics, tracer } from '../../shared/runtime/observability.js';
import { connectRiskStores } from './adapters/store-adapters.js';
import { createRiskApi } from './app.js';
import { loadRiskApiConfig, type RiskApiConfig } from './config.js';
import { riskApiMetricHooks } from './metrics.js';
import { createRouter } from './router.js';

/** Parsed once per cold start: a bad setting (or simulation in prod) fails the init. */
const config = loadRiskApiConfig();

const hooks = riskApiMetricHooks(metrics, logger);
const api = await createRiskApi(config, {
  adapters: (c: RiskApiConfig) => connectRiskStores(c, hooks.stores),
  ...hooks.app,
});
const route = createRouter(api.ports, config.STAGE);

export async function riskApiHandler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  return route(event);
}

export const handler = middy(riskApiHandler)
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
