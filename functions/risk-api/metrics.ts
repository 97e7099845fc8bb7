import type { ValidateOrderResult } from '../../shared/domain/risk/validate-order.js';
import { CATALOGUE } from '../../shared/metrics/catalogue.js';
import { emitMetric, type MetricsSink } from '../../shared/metrics/emit.js';
import type { logger as sharedLogger } from '../../shared/runtime/observability.js';
import type { connectRiskStores } from './adapters/store-adapters.js';
import type { RiskApiOverrides } from './app.js';

type Logger = Pick<typeof sharedLogger, 'info' | 'warn' | 'error'>;
type StoreHooks = NonNullable<Parameters<typeof connectRiskStores>[1]>;

/**
 * The risk API's metrics (EMF, through the catalogue), as the hooks the app and its store
 * adapters call. Every metric carries exactly its catalogue dimensions: the decision outcome is
 * a dimension of `Decisions` alone, so incident counts and the latency stay `{service}`, the
 * sets their alarms read.
 */
export function riskApiMetricHooks(
  sink: MetricsSink,
  log: Logger,
): {
  app: Required<Pick<RiskApiOverrides, 'onDecision' | 'onBookConflict' | 'onIncident'>>;
  stores: Required<StoreHooks>;
} {
  return {
    app: {
      onDecision: (result: ValidateOrderResult, elapsedMs: number) => {
        const { response } = result;
        emitMetric(sink, CATALOGUE.decisions, 1, { decision: response.decision });
        emitMetric(sink, CATALOGUE.decisionLatencyMs, elapsedMs);
        for (const reason of response.reasons) {
          emitMetric(sink, CATALOGUE.rejectReasons, 1, { code: reason.code });
          if (reason.code === 'RISK_STATE_UNAVAILABLE') emitMetric(sink, CATALOGUE.stateUnavailable, 1);
        }
      },
      onBookConflict: () => emitMetric(sink, CATALOGUE.bookConflicts, 1),
      onIncident: (event, detail) => {
        if (event === 'audit_write_failed') emitMetric(sink, CATALOGUE.auditWriteFailures, 1);
        // The record of last resort when both audit paths failed: the full decision, no secrets.
        log.error(event, { detail });
      },
    },
    stores: {
      onStateEpochMissing: () => emitMetric(sink, CATALOGUE.stateEpochMissing, 1),
      onReservationsExpired: (expired) => {
        emitMetric(sink, CATALOGUE.reservationsExpired, expired.length);
        log.info('reservations_expired', { order_ids: expired.map((r) => r.orderId) });
      },
      // The answer stands (it is what Redis holds); its audit row is written straight to the table.
      onReplicaAckShortfall: (acknowledged, wanted) => {
        emitMetric(sink, CATALOGUE.replicaAckShortfalls, 1);
        log.warn('replica_ack_shortfall', { acknowledged, wanted });
      },
      // Primary-only and the table refused it too: the decision's audit hangs on the spool alone.
      onDurableAuditFailed: (decisionId, error) => {
        emitMetric(sink, CATALOGUE.auditSpoolOnly, 1);
        log.error('audit_write_failed', { decision_id: decisionId, error: String(error) });
      },
    },
  };
}
