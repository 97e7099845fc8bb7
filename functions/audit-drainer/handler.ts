import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { PostgresDecisionAuditWriter } from '../../shared/adapters/postgres/decision-audit.js';
import { PostgresReservationEventWriter } from '../../shared/adapters/postgres/reservation-events.js';
import { RedisAuditSpool } from '../../shared/adapters/redis/audit-spool.js';
import { RedisReservationEvents } from '../../shared/adapters/redis/reservation-events.js';
import { connectStores } from '../../shared/adapters/stores.js';
import { logger, metrics } from '../../shared/runtime/observability.js';
import { drainSettingsFrom, loadAuditDrainerConfig } from './config.js';
import { type DrainReport, drainAuditSpool } from './drain-audit-spool.js';
import { recordDrainMetrics, recordReservationDrainFailure } from './drain-metrics.js';
import { moveReservationEvents } from './drain-reservation-events.js';

/**
 * Copies decision audit records from the Redis spool into Aurora. Invoked every minute by
 * EventBridge and keeps draining until shortly before its timeout.
 */
const config = loadAuditDrainerConfig();
const stores = await connectStores(config);
const ports = { spool: new RedisAuditSpool(stores.redis), table: new PostgresDecisionAuditWriter(stores.pool) };
const reservationPorts = {
  stream: new RedisReservationEvents(stores.redis),
  table: new PostgresReservationEventWriter(stores.pool),
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function auditDrainerHandler(context: Pick<Context, 'getRemainingTimeInMillis'>): Promise<DrainReport> {
  // Reservation expiries first, once per invocation (a minute apart): they are few, and the
  // decision spool's drain below runs until the deadline.
  try {
    const settings = drainSettingsFrom(config);
    await moveReservationEvents(reservationPorts, { batchSize: settings.batchSize, maxBatches: settings.maxBatches });
  } catch (error) {
    logger.warn('reservation events drain failed; they stay in the stream', { error: String(error) });
    recordReservationDrainFailure(metrics);
  }
  const report = await drainAuditSpool(
    ports,
    { remainingMs: () => context.getRemainingTimeInMillis(), sleep },
    drainSettingsFrom(config),
    (error) => logger.warn('audit drain failed; records stay in the spool', { error: String(error) }),
  );
  recordDrainMetrics(metrics, report);
  return report;
}

export const handler = middy((_event: unknown, context: Context) => auditDrainerHandler(context))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
