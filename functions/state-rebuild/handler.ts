import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { CATALOGUE } from '../../shared/metrics/catalogue.js';
import { emitMetric, type MetricsSink } from '../../shared/metrics/emit.js';
import { logger, metrics, tracer } from '../../shared/runtime/observability.js';
import { createStateRebuildApp } from './app.js';
import { loadStateRebuildConfig } from './config.js';
import type { RebuildOutcome } from './rebuild-state.js';

/** Parsed once per cold start: a bad variable fails the init, not a run. */
const app = await createStateRebuildApp(loadStateRebuildConfig());

/** Emits a rebuild's metrics: one StateRebuilds per rebuild (by trigger) and its duration. */
export function recordRebuildMetrics(outcome: RebuildOutcome, sink: MetricsSink): void {
  if (outcome.action !== 'rebuilt') return;
  emitMetric(sink, CATALOGUE.stateRebuilds, 1, { trigger: outcome.trigger });
  emitMetric(sink, CATALOGUE.stateRebuildMs, outcome.durationMs, { trigger: outcome.trigger });
}

/**
 * EventBridge, every minute: rebuilds the cache only when its state epoch is missing or
 * behind the durable generation, so the run costs two reads when all is well. A failed
 * rebuild fails the invocation (its Errors alarm): the cache stays without an epoch, and
 * the gate keeps rejecting, until a run succeeds.
 */
export async function stateRebuildHandler(): Promise<RebuildOutcome> {
  const outcome = await app.run();
  recordRebuildMetrics(outcome, metrics);
  if (outcome.action === 'rebuilt') logger.warn('state cache rebuilt from Aurora', { ...outcome });
  return outcome;
}

export const handler = middy(stateRebuildHandler)
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
