import type { AddressInfo } from 'node:net';
import { CreateEventBusCommand, EventBridgeClient, ResourceAlreadyExistsException } from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import pg from 'pg';
import { createSecretsManagerClient } from '../../shared/adapters/aws-clients.js';
import { KrakenKeyStore } from '../../shared/adapters/kraken-keys.js';
import { KrakenRestClient } from '../../shared/adapters/kraken-rest.js';
import { migrate } from '../../shared/adapters/postgres/migrate.js';
import { KILL_SWITCH_TRIGGERED, type KillSwitchTriggeredEvent } from '../../shared/domain/controls/kill-switch.js';
import { createLocalServer } from '../../shared/runtime/local-http.js';
import { FakeKrakenRest } from '../../test/fakes/kraken-rest/server.js';

/**
 * Local mode: the risk API and the admin API on one loopback port, with the same routes
 * and bodies as API Gateway. With stores (default) it migrates and seeds the local
 * PostgreSQL and Redis, creates the kill-switch bus and topic on LocalStack, runs the kill
 * executor in-process against a local fake of Kraken's REST API, and drains the audit
 * spool continuously. Market data runs through the real ingester from a fake Kraken v2
 * server to Redis and kinesis-local (scripts/local/local-feed.ts); LOCAL_MARKET_DATA=generator
 * writes marks directly instead. With RISK_STATE=memory only the risk API runs, on
 * in-memory state and generated marks. Never used in a deployed stage.
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
  const { loadRiskApiConfig } = await import('../../functions/risk-api/config.js');
  const { createRiskApi } = await import('../../functions/risk-api/app.js');
  const { createRouter } = await import('../../functions/risk-api/router.js');
  const { seedMemory, seedPostgres, seedRedis } = await import('../../test/support/seed.js');
  const { LOCAL_SYMBOLS, memoryMarkSink, redisMarkSink, startMarkGenerator } = await import(
    '../../functions/risk-api/local/mark-generator.js'
  );

  const config = loadRiskApiConfig(env);
  if (config.RISK_STATE === 'stores') {
    const admin = new pg.Client({ connectionString: config.DATABASE_URL });
    await admin.connect();
    await migrate(admin);
    await admin.end();
  }
  const risk = await createRiskApi(config);
  const riskRoute = createRouter(risk.ports, config.STAGE);
  const stops: (() => Promise<void> | void)[] = [];
  let adminRoute: ((event: APIGatewayProxyEvent) => ReturnType<typeof riskRoute>) | null = null;
  let kraken: FakeKrakenRest | null = null;
  let krakenWsUrl: string | null = null;

  if (risk.memory) {
    seedMemory(risk.memory.limits, risk.memory.store);
    stops.push(startMarkGenerator(memoryMarkSink(risk.memory.store)));
  } else if (risk.redis && risk.pool) {
    await seedPostgres(risk.pool);
    await seedRedis(risk.redis);
    if (env.LOCAL_MARKET_DATA === 'generator') {
      stops.push(startMarkGenerator(redisMarkSink(risk.redis)));
    } else {
      const { startLocalFeed } = await import('./local-feed.js');
      const feed = await startLocalFeed({
        redis: risk.redis,
        redisUrl: `redis://${config.REDIS_HOST}:${config.REDIS_PORT}/${config.REDIS_DB}`,
        symbols: LOCAL_SYMBOLS.map((s) => s.symbol),
      });
      krakenWsUrl = feed.krakenWsUrl;
      stops.push(() => feed.stop());
    }
    const drainer = risk.drainer;
    const timer = setInterval(() => {
      drainer?.drain().catch((error: unknown) => console.error(`audit drain failed: ${String(error)}`));
    }, 250);
    stops.push(() => clearInterval(timer));

    kraken = new FakeKrakenRest();
    await kraken.start();
    const fake = kraken;
    stops.push(() => fake.stop());
    adminRoute = await startAdmin(env, config.STAGE, kraken.url, risk.redis, risk.pool);
  }

  const server = createLocalServer(async (event) =>
    event.path.startsWith('/v1/admin') && adminRoute ? adminRoute(event) : riskRoute(event),
  );
  await new Promise<void>((resolve) => server.listen(options.port, options.host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}`,
    krakenRestUrl: kraken?.url ?? null,
    krakenWsUrl,
    async stop() {
      server.close();
      for (const stop of stops.reverse()) await stop();
      await risk.drainer?.drain().catch(() => undefined);
      await risk.close();
    },
  };
}

/** The admin API against LocalStack (bus, topic, secrets) with the executor run in-process. */
async function startAdmin(
  env: NodeJS.ProcessEnv,
  stage: string,
  krakenUrl: string,
  redis: import('ioredis').Redis,
  pool: pg.Pool,
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
