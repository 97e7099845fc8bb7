import { createKinesisClient, createSecretsManagerClient } from '../../shared/adapters/aws-clients.js';
import { KrakenRestClient } from '../../shared/adapters/kraken-rest.js';
import { createRedisClient, redisConfigFromUrl } from '../../shared/adapters/redis/client.js';
import { SecretReader } from '../../shared/adapters/secrets.js';
import { krakenKeySecretPrefix } from '../../shared/names.js';
import { logger } from '../../shared/runtime/observability.js';
import { AccountFeedService } from './account-feed.js';
import { KinesisExecutionSink } from './adapters/kinesis-execution-sink.js';
import { KrakenOrderHistory } from './adapters/kraken-order-history.js';
import { KrakenRestTokenSource } from './adapters/kraken-token-source.js';
import {
  RedisAccountFeedStatusStore,
  RedisDecisionLookup,
  RedisGateHealth,
  RedisUnvettedOrderAudit,
} from './adapters/redis-stores.js';
import { RiskApiProbe } from './adapters/risk-api-probe.js';
import { SecretsManagerKeyDirectory } from './adapters/secrets-key-directory.js';
import { loadAccountFeedConfig } from './config.js';
import { startHealthServer } from './health-server.js';
import type { FeedLog } from './ports.js';

/**
 * Container entry point (ECS Fargate). Config is parsed once; a bad variable stops the task
 * with its name. SIGTERM stops every feed, writes each account failed closed and flushes the
 * stream within SHUTDOWN_FLUSH_TIMEOUT_MS.
 */
const config = loadAccountFeedConfig();
const log: FeedLog = (level, message, extra) => logger[level](message, extra ?? {});

const redis = createRedisClient(
  {
    ...redisConfigFromUrl(config.REDIS_URL),
    ...(config.REDIS_AUTH_SECRET_ID
      ? { password: await new SecretReader().getString(config.REDIS_AUTH_SECRET_ID) }
      : {}),
    commandTimeoutMs: 1_000,
  },
  { enableOfflineQueue: true, maxRetriesPerRequest: 1 },
);
await redis.connect();

const sink = new KinesisExecutionSink(createKinesisClient(), config.EXECUTIONS_STREAM, 10, (error) =>
  logger.warn('PutRecords failed; records re-queued', { error: String(error) }),
);
// The switch is armed only while the risk API answers its health route (issue #13).
const riskApi = new RiskApiProbe({
  url: config.RISK_API_URL,
  timeoutMs: config.RISK_API_PROBE_TIMEOUT_MS,
  intervalMs: config.RISK_API_PROBE_INTERVAL_MS,
  signing: config.RISK_API_SIGV4 ? { region: config.AWS_REGION ?? '' } : null,
  log,
});
const krakenRest = new KrakenRestClient(config.KRAKEN_REST_URL);
const service = new AccountFeedService(config, {
  keys: new SecretsManagerKeyDirectory(createSecretsManagerClient(), krakenKeySecretPrefix(config.STAGE), log),
  tokens: new KrakenRestTokenSource(krakenRest),
  orderHistory: new KrakenOrderHistory(krakenRest),
  sink,
  statusStore: new RedisAccountFeedStatusStore(redis),
  decisions: new RedisDecisionLookup(redis),
  audit: new RedisUnvettedOrderAudit(redis),
  health: new RedisGateHealth(redis, {
    symbols: config.HEALTH_SYMBOLS,
    markMaxAgeMs: config.MARK_MAX_AGE_MS,
    extraChecks: async (now) => [
      ...(sink.oldestPendingAgeMs(now) > config.PUBLISH_MAX_DELAY_MS ? ['kinesis_backlog'] : []),
      ...(await riskApi.reasons(now)),
    ],
  }),
  log,
});
await service.start();
let stopping = false;
const health = await startHealthServer(config.HEALTH_PORT, () => ({
  ready: !stopping,
  detail: { accounts: service.accounts().length, gate: service.gateHealth() },
}));
logger.info('account feed started', {
  accounts: service.accounts(),
  shard: `${config.SHARD_INDEX}/${config.SHARD_COUNT}`,
  stream: config.EXECUTIONS_STREAM,
  healthPort: health.port,
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    service
      .stop(config.SHUTDOWN_FLUSH_TIMEOUT_MS)
      .then(async () => {
        await health.close();
        redis.disconnect();
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error('shutdown failed', { error: String(error) });
        process.exit(1);
      });
  });
}
