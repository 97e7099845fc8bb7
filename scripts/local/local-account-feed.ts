import type { Redis } from 'ioredis';
import { KrakenOrderHistory } from '../../functions/account-feed/adapters/kraken-order-history.js';
import {
  AccountFeedService,
  KinesisExecutionSink,
  KrakenRestTokenSource,
  loadAccountFeedConfig,
  RedisAccountFeedStatusStore,
  RedisDecisionLookup,
  RedisGateHealth,
  RedisUnvettedOrderAudit,
  RiskApiProbe,
  SecretsManagerKeyDirectory,
} from '../../functions/account-feed/index.js';
import { createKinesisClient, createSecretsManagerClient } from '../../shared/adapters/aws-clients.js';
import { KrakenRestClient } from '../../shared/adapters/kraken-rest.js';
import { krakenKeySecretPrefix, STREAMS } from '../../shared/names.js';
import { createStream, deleteStream } from '../../test/kinesis-local.js';

/**
 * Local mode's account feed: the same AccountFeedService the Fargate task runs, on local
 * mode's Redis, reading the keys from the local Secrets Manager and Kraken's private side
 * from the local fake, publishing to kinesis-local's `executions` (recreated at each start:
 * kinesis-local slows down as records pile up). The dead man's switch is armed for every
 * account and unvetted orders are canceled, as in prod. Never used in a deployed stage.
 */
export interface LocalAccountFeed {
  readonly service: AccountFeedService;
  readonly stream: string;
  stop(): Promise<void>;
}

export async function startLocalAccountFeed(options: {
  readonly redis: Redis;
  readonly redisUrl: string;
  readonly stage: string;
  readonly krakenRestUrl: string;
  readonly krakenWsAuthUrl: string;
  readonly healthSymbols: readonly string[];
  /**
   * Local mode's own port (the risk API in-process): the switch is armed only while its
   * `/v1/health` answers, unsigned (local mode has no IAM in front of it).
   */
  readonly riskApiUrl: string;
  /** @default STREAMS.executions (tests pass their own) */
  readonly stream?: string;
}): Promise<LocalAccountFeed> {
  const stream = options.stream ?? STREAMS.executions;
  const kinesis = createKinesisClient();
  await deleteStream(kinesis, stream);
  await createStream(kinesis, stream);

  // Parsed by the unit's own schema: local mode gets the same checks and defaults as a task.
  const config = loadAccountFeedConfig({
    STAGE: options.stage,
    EXECUTIONS_STREAM: stream,
    REDIS_URL: options.redisUrl,
    KRAKEN_REST_URL: options.krakenRestUrl,
    KRAKEN_WS_AUTH_URL: options.krakenWsAuthUrl,
    DEAD_MANS_SWITCH_ACCOUNTS: '*',
    CANCEL_UNVETTED_ACCOUNTS: '*',
    HEALTH_SYMBOLS: options.healthSymbols.join(','),
    // Keys an operator adds while local mode runs are picked up within seconds.
    KEY_REFRESH_MS: '5000',
    // kinesis-local takes seconds per call on a busy machine (docs/ingester.md); a stage keeps 5 s.
    PUBLISH_MAX_DELAY_MS: '15000',
    HEALTH_PORT: '0',
    RISK_API_URL: options.riskApiUrl,
    RISK_API_SIGV4: 'false',
  });
  // Warnings once a minute per message and account: a key left in the local emulator by a
  // test (no key on the fake) fails its account closed and would otherwise retry loudly.
  const lastPrinted = new Map<string, number>();
  const log = (level: 'info' | 'warn' | 'error', message: string, extra?: Record<string, unknown>) => {
    if (level === 'info') return;
    const key = `${message}|${String(extra?.accountId ?? '')}`;
    const now = Date.now();
    if (now - (lastPrinted.get(key) ?? 0) < 60_000) return;
    lastPrinted.set(key, now);
    console.error(`account feed ${level}: ${message} ${JSON.stringify(extra ?? {})}`);
  };
  const sink = new KinesisExecutionSink(kinesis, stream, 20, (error) =>
    log('warn', 'PutRecords failed; records re-queued', { error: String(error) }),
  );
  const riskApi = new RiskApiProbe({
    url: config.RISK_API_URL,
    timeoutMs: config.RISK_API_PROBE_TIMEOUT_MS,
    intervalMs: config.RISK_API_PROBE_INTERVAL_MS,
    signing: null,
    log,
  });
  const service = new AccountFeedService(config, {
    keys: new SecretsManagerKeyDirectory(createSecretsManagerClient(), krakenKeySecretPrefix(options.stage), log),
    tokens: new KrakenRestTokenSource(new KrakenRestClient(config.KRAKEN_REST_URL)),
    orderHistory: new KrakenOrderHistory(new KrakenRestClient(config.KRAKEN_REST_URL)),
    sink,
    statusStore: new RedisAccountFeedStatusStore(options.redis),
    decisions: new RedisDecisionLookup(options.redis),
    audit: new RedisUnvettedOrderAudit(options.redis),
    health: new RedisGateHealth(options.redis, {
      symbols: config.HEALTH_SYMBOLS,
      markMaxAgeMs: config.MARK_MAX_AGE_MS,
      extraChecks: (now) => riskApi.reasons(now),
    }),
    log,
    emitMetrics: false,
  });
  await service.start();
  return {
    service,
    stream,
    async stop() {
      await service.stop(5_000);
      kinesis.destroy();
    },
  };
}
