import type { AddressInfo } from 'node:net';
import { CreateEventBusCommand, EventBridgeClient, ResourceAlreadyExistsException } from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { Redis } from 'ioredis';
import pg from 'pg';
import type { MetricsSource } from '../../functions/admin-api/desk-reads.js';
import type { RiskApiConfig } from '../../functions/risk-api/config.js';
import { createSecretsManagerClient } from '../../shared/adapters/aws-clients.js';
import { KrakenKeyStore } from '../../shared/adapters/kraken-keys.js';
import { KrakenRestClient } from '../../shared/adapters/kraken-rest.js';
import { migrate } from '../../shared/adapters/postgres/migrate.js';
import { KILL_SWITCH_TRIGGERED, type KillSwitchTriggeredEvent } from '../../shared/domain/controls/kill-switch.js';
import { databaseLoginUser } from '../../shared/names.js';
import { createLocalServer } from '../../shared/runtime/local-http.js';
import { FakeKrakenRest } from '../../test/fakes/kraken-rest/server.js';
import { setLocalUnitPasswords } from '../../test/support/database-roles.js';
import type { LocalModeConfig } from './config.js';
import { LOCAL_KRAKEN_KEY } from './local-kraken-key.js';

/**
 * Local mode: the risk API and the admin API on one loopback port, with the same routes
 * and bodies as API Gateway. With stores (default) it assembles a stage's wiring on the
 * local PostgreSQL and Redis, from empty stores or an earlier run's: migrations, partition
 * maintenance, the state rebuild, the real ingester reading a fake Kraken v2 server
 * (marks, and instruments from its `instrument` channel; scripts/local/local-feed.ts), the
 * universe and reference-prices jobs against a fake CoinGecko (scripts/local/local-producers.ts),
 * the audit drainer, the admin API with the kill executor in-process, and then the demo
 * accounts onboarded through the admin API over HTTP, as an operator would
 * (scripts/local/local-onboarding.ts). What is still seeded is named in scripts/local/local-seed.ts.
 * LOCAL_TRADING=on (what `npm start` sets) adds the trading loop: Kraken's private side, the
 * account feed, the positions consumer and a demo strategy (scripts/local/local-trading.ts).
 * With RISK_STATE=memory only the risk API runs, on in-memory state and generated marks.
 * Never used in a deployed stage.
 */
export interface LocalMode {
  readonly url: string;
  readonly krakenRestUrl: string | null;
  /** The fake Kraken WebSocket the local ingester reads (null with the generator or in memory mode). */
  readonly krakenWsUrl: string | null;
  stop(): Promise<void>;
}

export async function startLocalMode(options: {
  port: number;
  host: string;
  env: NodeJS.ProcessEnv;
}): Promise<LocalMode> {
  const { env } = options;
  const { loadLocalModeConfig } = await import('./config.js');
  const { loadRiskApiConfig } = await import('../../functions/risk-api/config.js');
  const local = loadLocalModeConfig(env);
  const riskConfig = loadRiskApiConfig(env);
  const units =
    local.RISK_STATE === 'memory' ? await startInMemory(riskConfig) : await startOnStores(env, local, riskConfig);

  // The risk desk console beside the admin API it reads (scripts/local/local-console.ts).
  const consoleRoute = units.adminRoute ? await (await import('./local-console.js')).createLocalConsole() : null;
  const server = createLocalServer(
    async (event) =>
      consoleRoute?.(event) ??
      (event.path.startsWith('/v1/admin') && units.adminRoute ? units.adminRoute(event) : units.riskRoute(event)),
  );
  await new Promise<void>((resolve) => server.listen(options.port, options.host, resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host}:${port}`;
  try {
    // The operator's part, once the admin API answers: accounts exist only through it.
    await units.onListening?.(url);
  } catch (error) {
    server.close();
    await units.stop();
    throw error;
  }
  // Clients of the gate (the demo strategy) start once it answers on its port.
  const stopClients = units.startClients?.(url);
  return {
    url,
    krakenRestUrl: units.krakenRestUrl,
    krakenWsUrl: units.krakenWsUrl,
    async stop() {
      await stopClients?.();
      server.close();
      await units.stop();
    },
  };
}

type Route = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

/** What local mode runs behind its one HTTP port. */
interface LocalUnits {
  readonly riskRoute: Route;
  readonly adminRoute: Route | null;
  readonly krakenRestUrl: string | null;
  readonly krakenWsUrl: string | null;
  /** Runs once the port answers, before any client: the demo accounts' onboarding. */
  readonly onListening?: (gateUrl: string) => Promise<void>;
  /** Starts what calls the gate over HTTP (LOCAL_TRADING's demo strategy); returns its stop. */
  readonly startClients?: (gateUrl: string) => () => Promise<void>;
  stop(): Promise<void>;
}

/** The risk API alone on in-memory adapters, seeded, with generated marks. */
async function startInMemory(config: RiskApiConfig): Promise<LocalUnits> {
  const { createRiskApi } = await import('../../functions/risk-api/app.js');
  const { createRouter } = await import('../../functions/risk-api/router.js');
  const { memoryRiskAdapters, seedMemory } = await import('./memory-risk-state.js');
  const { memoryMarkSink, startMarkGenerator } = await import('./mark-generator.js');

  const risk = await createRiskApi(config, { adapters: async () => memoryRiskAdapters() });
  seedMemory(risk.adapters);
  const stopMarks = startMarkGenerator(memoryMarkSink(risk.adapters.state));
  return {
    riskRoute: createRouter(risk.ports, config.STAGE),
    adminRoute: null,
    krakenRestUrl: null,
    krakenWsUrl: null,
    async stop() {
      stopMarks();
      await risk.close();
    },
  };
}

/**
 * The risk API on the local PostgreSQL and Redis (migrated, nothing seeded), the stage's
 * producers, the audit drainer's use case draining the spool continuously, and the admin
 * API with the kill executor in-process; the demo accounts are onboarded once it listens.
 */
async function startOnStores(
  env: NodeJS.ProcessEnv,
  local: LocalModeConfig,
  config: RiskApiConfig,
): Promise<LocalUnits> {
  const { createRiskApi } = await import('../../functions/risk-api/app.js');
  const { connectRiskStores } = await import('../../functions/risk-api/adapters/store-adapters.js');
  const { createRouter } = await import('../../functions/risk-api/router.js');
  const { LOCAL_ACCOUNTS, LOCAL_TRADED_SYMBOLS } = await import('./local-seed.js');
  const { startLocalCoinGecko, startMarketJobs, startPartitionMaintenance } = await import('./local-producers.js');
  const { onboardLocalAccounts } = await import('./local-onboarding.js');
  const { stateRebuildConfigSchema } = await import('../../functions/state-rebuild/config.js');
  const { createStateRebuildApp } = await import('../../functions/state-rebuild/app.js');

  const admin = new pg.Client({ connectionString: config.DATABASE_URL });
  await admin.connect();
  await migrate(admin);
  // The jobs below connect as their units' own login users (migration 011), as in a stage.
  await setLocalUnitPasswords(admin);
  await admin.end();
  // What a stage sends to CloudWatch, kept in memory for the console's charts.
  const { LocalMetrics } = await import('./local-metrics.js');
  const localMetrics = new LocalMetrics();
  // The risk API's own metric hooks (as its handler wires them in a stage), into the local sink.
  const { riskApiMetricHooks } = await import('../../functions/risk-api/metrics.js');
  const { logger } = await import('../../shared/runtime/observability.js');
  const hooks = riskApiMetricHooks(localMetrics.sink, logger);
  const risk = await createRiskApi(config, {
    adapters: (riskConfig: RiskApiConfig) => connectRiskStores(riskConfig, hooks.stores),
    ...hooks.app,
  });
  const { redis, pool } = risk.adapters;

  const stops: (() => Promise<void> | void)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop();
    await risk.close();
  };
  let krakenWsUrl: string | null = null;
  try {
    // Today's and the coming days' partitions, as the daily job keeps them in a stage.
    stops.push(await startPartitionMaintenance(env));
    // As a stage starts: the cache is restored from the database (kill switches, breakers,
    // instruments, universe, positions) and its state epoch written, or every order is
    // refused; a cache whose epoch is current (an earlier run's) is kept as it is.
    const rebuild = await createStateRebuildApp(
      stateRebuildConfigSchema.parse({ ...env, DATABASE_USER: databaseLoginUser('stateRebuild') }),
    );
    await rebuild.run().finally(() => rebuild.close());
    const coinGecko = await startLocalCoinGecko(redis);
    stops.push(() => coinGecko.stop());
    const { startLocalFeed } = await import('./local-feed.js');
    const feed = await startLocalFeed({
      redis,
      pool,
      redisUrl: `redis://${config.REDIS_HOST}:${config.REDIS_PORT}/${config.REDIS_DB}`,
      symbols: LOCAL_TRADED_SYMBOLS,
    });
    krakenWsUrl = feed.krakenWsUrl;
    stops.push(() => feed.stop());
    stops.push(localMetrics.sampleDataAge(redis, LOCAL_TRADED_SYMBOLS));
    // After the feed: the universe job reads the instruments table the ingester wrote, and
    // CoinGecko's fake quotes the marks.
    const jobs = await startMarketJobs({
      env,
      coinGeckoUrl: coinGecko.baseUrl,
      referenceIntervalMs: local.LOCAL_REFERENCE_INTERVAL_MS,
    });
    stops.push(() => jobs.stop());
  } catch (error) {
    await stopAll().catch(() => undefined);
    throw error;
  }
  const drainer = await startAuditDrainer(env, redis, pool);

  // LOCAL_TRADING=on: Kraken's private side (one fake venue behind REST and WS v2), the account
  // feed and the positions consumer (scripts/local/local-trading.ts); its REST is the kill
  // executor's Kraken too, so a kill switch cancels the demo's open orders.
  const trading =
    local.LOCAL_TRADING === 'on'
      ? await (await import('./local-trading.js')).startLocalTrading({
          env,
          stage: config.STAGE,
          redis,
          redisUrl: `redis://${config.REDIS_HOST}:${config.REDIS_PORT}/${config.REDIS_DB}`,
          accountIds: LOCAL_ACCOUNTS.map((a) => a.accountId),
        })
      : null;
  if (trading) stops.push(() => trading.stop());
  const kraken = trading?.krakenRest ?? new FakeKrakenRest();
  if (!trading) {
    await kraken.start();
    stops.push(() => kraken.stop());
  }
  // The key the onboarding runbook stores: it must pass the admin API's Balance check here.
  kraken.addKey(0, LOCAL_KRAKEN_KEY);
  const adminRoute = await startAdmin(env, config.STAGE, kraken.url, redis, pool, localMetrics);
  return {
    riskRoute: createRouter(risk.ports, config.STAGE),
    adminRoute,
    krakenRestUrl: kraken.url,
    krakenWsUrl,
    onListening: (gateUrl) => onboardLocalAccounts(gateUrl),
    ...(trading
      ? { startClients: (gateUrl: string) => trading.startDemo(gateUrl, local.DEMO_STRATEGY_INTERVAL_MS) }
      : {}),
    async stop() {
      await drainer.stop();
      await stopAll();
    },
  };
}

/**
 * The audit drainer's use case run without a deadline until stopped (the Lambda runs it a
 * minute at a time), on the risk API's connections; a last pass at stop moves what the
 * final decisions spooled.
 */
async function startAuditDrainer(env: NodeJS.ProcessEnv, redis: Redis, pool: pg.Pool) {
  const { drainSettingsFrom, loadAuditDrainerConfig } = await import('../../functions/audit-drainer/config.js');
  const { drainAuditSpool, moveSpoolBatches } = await import('../../functions/audit-drainer/drain-audit-spool.js');
  const { PostgresDecisionAuditWriter } = await import('../../shared/adapters/postgres/decision-audit.js');
  const { RedisAuditSpool } = await import('../../shared/adapters/redis/audit-spool.js');

  const settings = drainSettingsFrom(loadAuditDrainerConfig(env));
  const ports = { spool: new RedisAuditSpool(redis), table: new PostgresDecisionAuditWriter(pool) };
  let stopped = false;
  const running = drainAuditSpool(
    ports,
    {
      remainingMs: () => (stopped ? 0 : Number.POSITIVE_INFINITY),
      sleep: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    },
    settings,
    (error) => console.error(`audit drain failed: ${String(error)}`),
  );
  return {
    async stop() {
      stopped = true;
      await running;
      await moveSpoolBatches(ports, settings).catch(() => undefined);
    },
  };
}

/** The admin API against LocalStack (bus, topic, secrets) with the executor run in-process. */
async function startAdmin(
  env: NodeJS.ProcessEnv,
  stage: string,
  krakenUrl: string,
  redis: Redis,
  pool: pg.Pool,
  metrics: MetricsSource,
) {
  const { adminApiConfigSchema } = await import('../../functions/admin-api/config.js');
  const { createAdminApi } = await import('../../functions/admin-api/app.js');
  const { createAdminRouter } = await import('../../functions/admin-api/router.js');
  const { EventBridgePublisher } = await import('../../shared/adapters/aws-channels.js');
  const { executeKill } = await import('../../functions/kill-executor/execute-kill.js');
  const { killExecutorPorts } = await import('../../functions/kill-executor/app.js');

  const busName = `risk-gate-${stage}`;
  await new EventBridgeClient({}).send(new CreateEventBusCommand({ Name: busName })).catch((error: unknown) => {
    if (!(error instanceof ResourceAlreadyExistsException)) throw error;
  });
  const topicArn = (await new SNSClient({}).send(new CreateTopicCommand({ Name: `risk-gate-${stage}-kill` }))).TopicArn;
  const publisher = new EventBridgePublisher(busName);
  const executorDeps = killExecutorPorts({
    pool,
    redis,
    kraken: new KrakenRestClient(krakenUrl),
    keys: new KrakenKeyStore(createSecretsManagerClient(), stage),
    events: publisher,
    sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
  });
  const admin = await createAdminApi(
    adminApiConfigSchema.parse({
      ...env,
      KILL_EVENT_BUS_NAME: busName,
      KILL_NOTIFY_TOPIC_ARN: topicArn,
      KRAKEN_REST_URL: krakenUrl,
    }),
    {
      metrics,
      // Locally the bus has no Lambda target: hand the event to the executor in-process too.
      events: {
        async publish(event, detailType) {
          await publisher.publish(event, detailType);
          if (detailType === KILL_SWITCH_TRIGGERED) {
            void executeKill(event as KillSwitchTriggeredEvent, executorDeps).catch((error: unknown) =>
              console.error(`kill executor failed: ${String(error)}`),
            );
          }
        },
      },
    },
  );
  return createAdminRouter(admin.services);
}
