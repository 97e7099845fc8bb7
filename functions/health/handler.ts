import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { CATALOGUE } from '../../shared/metrics/catalogue.js';
import { emitMetric } from '../../shared/metrics/emit.js';
import { logger, metrics, tracer } from '../../shared/runtime/observability.js';
import { type HealthConfig, loadHealthConfig } from './config.js';

/** Parsed once per cold start: a bad variable fails the init, not every request. */
const config = loadHealthConfig();

export interface HealthBody {
  status: 'ok';
  stage: string;
  version: string;
  simulation: boolean;
}

/** The use case without Lambda plumbing, exported so tests call it directly. */
export function describeHealth(cfg: HealthConfig): HealthBody {
  return { status: 'ok', stage: cfg.STAGE, version: cfg.BUILD_VERSION, simulation: cfg.SIMULATION_MODE };
}

export async function healthHandler(): Promise<APIGatewayProxyResult> {
  emitMetric(metrics, CATALOGUE.healthChecks, 1);
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify(describeHealth(config)),
  };
}

export const handler = middy(healthHandler)
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
