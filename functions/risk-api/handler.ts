import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { ValidateOrderResult } from '../../shared/domain/risk/validate-order.js';
import { METRICS } from '../../shared/names.js';
import { logger, metrics, tracer } from '../../shared/runtime/observability.js';
import { connectRiskStores } from './adapters/store-adapters.js';
import { createRiskApi } from './app.js';
import { loadRiskApiConfig, type RiskApiConfig } from './config.js';
import { createRouter } from './router.js';

/** Parsed once per cold start: a bad setting (or simulation in prod) fails the init. */
const config = loadRiskApiConfig();

/** Emits the decision metrics (EMF): outcome, latency, and one count per reject reason. */
export function recordDecisionMetrics(result: ValidateOrderResult, elapsedMs: number): void {
  const { response } = result;
  metrics.addDimension('decision', response.decision);
  metrics.addMetric(METRICS.decisions, MetricUnit.Count, 1);
  metrics.addMetric(METRICS.decisionLatencyMs, MetricUnit.Milliseconds, elapsedMs);
  for (const reason of response.reasons) {
    const single = metrics.singleMetric();
    single.addDimension('code', reason.code);
    single.addMetric(METRICS.rejectReasons, MetricUnit.Count, 1);
  }
}

const api = await createRiskApi(config, {
  adapters: (c: RiskApiConfig) =>
    connectRiskStores(c, {
      onStateEpochMissing: () => metrics.singleMetric().addMetric(METRICS.stateEpochMissing, MetricUnit.Count, 1),
      onReservationsExpired: (expired) => {
        metrics.singleMetric().addMetric(METRICS.reservationsExpired, MetricUnit.Count, expired.length);
        logger.info('reservations_expired', { order_ids: expired.map((r) => r.orderId) });
      },
      // The answer stands (it is what Redis holds); its audit row is written straight to the table.
      onReplicaAckShortfall: (acknowledged, wanted) => {
        metrics.singleMetric().addMetric(METRICS.replicaAckShortfalls, MetricUnit.Count, 1);
        logger.warn('replica_ack_shortfall', { acknowledged, wanted });
      },
      // Primary-only and the table refused it too: the decision's audit hangs on the spool alone.
      onDurableAuditFailed: (decisionId, error) => {
        metrics.singleMetric().addMetric(METRICS.auditWriteFailures, MetricUnit.Count, 1);
        logger.error('audit_write_failed', { decision_id: decisionId, error: String(error) });
      },
    }),
  // Incident counts go out as single metrics (service dimension only, as their alarms query
  // them): the invocation's `decision` dimension would otherwise split them into series no alarm reads.
  onBookConflict: () => metrics.singleMetric().addMetric(METRICS.bookConflicts, MetricUnit.Count, 1),
  onDecision: recordDecisionMetrics,
  onIncident: (event, detail) => {
    metrics.addMetric(METRICS.auditWriteFailures, MetricUnit.Count, event === 'audit_write_failed' ? 1 : 0);
    // The record of last resort when both audit paths failed: the full decision, no secrets.
    logger.error(event, { detail });
  },
});
const route = createRouter(api.ports, config.STAGE);

export async function riskApiHandler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  return route(event);
}

export const handler = middy(riskApiHandler)
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
