import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { EventBridgeEvent } from 'aws-lambda';
import { EventBridgePublisher } from '../../shared/adapters/aws-channels.js';
import { createSecretsManagerClient } from '../../shared/adapters/aws-clients.js';
import { KrakenKeyStore } from '../../shared/adapters/kraken-keys.js';
import { KrakenRestClient } from '../../shared/adapters/kraken-rest.js';
import { connectStores } from '../../shared/adapters/stores.js';
import type { KillSwitchTriggeredEvent } from '../../shared/domain/controls/kill-switch.js';
import { logger, metrics } from '../../shared/runtime/observability.js';
import { killExecutorPorts } from './app.js';
import { loadKillExecutorConfig } from './config.js';
import { executeKill } from './execute-kill.js';
import { recordKillMetrics } from './kill-metrics.js';

const config = loadKillExecutorConfig();
const stores = await connectStores(config);
const deps = killExecutorPorts({
  pool: stores.pool,
  redis: stores.redis,
  kraken: new KrakenRestClient(config.KRAKEN_REST_URL),
  keys: new KrakenKeyStore(createSecretsManagerClient(), config.STAGE),
  events: new EventBridgePublisher(config.KILL_EVENT_BUS_NAME),
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
  maxAttempts: config.KRAKEN_MAX_ATTEMPTS,
  deadMansSwitchSeconds: config.DEAD_MANS_SWITCH_SECONDS,
});

export async function killExecutorHandler(event: EventBridgeEvent<string, KillSwitchTriggeredEvent>) {
  const results = await executeKill(event.detail, deps);
  const failed = results.filter((r) => r.outcome === 'failed');
  recordKillMetrics(metrics, results, event.detail.engaged_at, Date.now());
  logger.info('kill switch executed', { event_id: event.detail.event_id, results });
  // Failing the invocation makes EventBridge retry; accounts already done are skipped then.
  if (failed.length > 0) throw new Error(`${failed.length} account action(s) failed; see kill_switch_actions`);
  return { results };
}

export const handler = middy(killExecutorHandler).use(injectLambdaContext(logger)).use(logMetrics(metrics));
