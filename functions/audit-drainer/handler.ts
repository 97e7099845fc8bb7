import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { METRICS } from '../../shared/names.js';
import { logger, metrics } from '../../shared/runtime/observability.js';
import { createRiskApi } from '../risk-api/app.js';
import { loadRiskApiConfig } from '../risk-api/config.js';

/**
 * Copies decision audit records from the Redis spool into Aurora. Invoked every minute by
 * EventBridge and keeps draining until shortly before its timeout, so records reach the
 * table within about a second while Aurora is up, and wait safely in the spool when not.
 */
const config = loadRiskApiConfig();
const api = await createRiskApi(config);
const IDLE_SLEEP_MS = 250;
const SAFETY_MARGIN_MS = 5_000;

export async function drainAuditSpool(context: Pick<Context, 'getRemainingTimeInMillis'>): Promise<{ moved: number }> {
  if (!api.drainer) throw new Error('audit drainer needs RISK_STATE=stores');
  let moved = 0;
  let failures = 0;
  while (context.getRemainingTimeInMillis() > SAFETY_MARGIN_MS) {
    try {
      const batch = await api.drainer.drain(20);
      moved += batch;
      if (batch === 0) await new Promise((resolve) => setTimeout(resolve, IDLE_SLEEP_MS));
    } catch (error) {
      failures++;
      logger.warn('audit drain failed; records stay in the spool', { error: String(error) });
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
  metrics.addMetric(METRICS.auditRecordsDrained, MetricUnit.Count, moved);
  metrics.addMetric(METRICS.auditWriteFailures, MetricUnit.Count, failures);
  // -1 when Redis cannot say: the alarms read the maximum, so an unknown never looks like 0 only by luck.
  metrics.addMetric(METRICS.auditSpoolLength, MetricUnit.Count, await api.drainer.spoolLength().catch(() => -1));
  metrics.addMetric(METRICS.auditSpoolDeadLetters, MetricUnit.Count, await api.drainer.deadLength().catch(() => -1));
  return { moved };
}

export const handler = middy((_event: unknown, context: Context) => drainAuditSpool(context))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
