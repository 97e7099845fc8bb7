import pg from 'pg';
import { migrate } from '../shared/adapters/postgres/migrate.js';
import { createLocalServer } from '../shared/runtime/local-http.js';

/**
 * Local mode (`npm start`): the risk API on 127.0.0.1:PORT with the same routes and bodies
 * as API Gateway. State lives in the local Redis and PostgreSQL (migrated and seeded here)
 * unless RISK_STATE=memory. Market data comes from a seeded generator so decisions are
 * meaningful from the first request.
 */
const env = process.env;
env.STAGE ??= 'local';
env.POWERTOOLS_DEV ??= 'true';
env.POWERTOOLS_TRACE_ENABLED ??= 'false';
env.POWERTOOLS_METRICS_DISABLED ??= 'true';
env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
const localFile = await import('../test/local-env.js');
const { local, databaseUrl } = localFile;
env.RISK_STATE ??= 'stores';
env.REDIS_HOST ??= local.redisHost;
env.REDIS_PORT ??= String(local.redisPort);
env.REDIS_TLS ??= 'false';
env.DATABASE_URL ??= databaseUrl(local.dbName);
env.DATABASE_TLS ??= 'false';
Object.assign(env, { ...localFile.awsEnvironment(), ...env });

const { loadRiskApiConfig } = await import('../functions/risk-api/config.js');
const { createRiskApi } = await import('../functions/risk-api/app.js');
const { createRouter } = await import('../functions/risk-api/router.js');
const { seedMemory, seedPostgres, seedRedis } = await import('../functions/risk-api/seed.js');
const { memoryMarkSink, redisMarkSink, startMarkGenerator } = await import(
  '../functions/risk-api/local/mark-generator.js'
);

const config = loadRiskApiConfig(env);
if (config.RISK_STATE === 'stores') {
  const admin = new pg.Client({ connectionString: config.DATABASE_URL });
  await admin.connect();
  await migrate(admin);
  await admin.end();
}

const api = await createRiskApi(config);
let stopMarks: () => void;
let drainTimer: NodeJS.Timeout | undefined;
if (api.memory) {
  seedMemory(api.memory.limits, api.memory.store);
  stopMarks = startMarkGenerator(memoryMarkSink(api.memory.store));
} else if (api.redis && api.pool) {
  await seedPostgres(api.pool);
  await seedRedis(api.redis);
  stopMarks = startMarkGenerator(redisMarkSink(api.redis));
  // Copy audit records from the Redis spool to Postgres continuously, as the drainer
  // Lambda does in AWS.
  const drainer = api.drainer;
  drainTimer = setInterval(() => {
    drainer?.drain().catch((error: unknown) => console.error(`audit drain failed: ${String(error)}`));
  }, 250);
} else {
  throw new Error('risk API built without state');
}

const route = createRouter(api.ports, config.STAGE);
const port = Number(env.PORT ?? 8080);
const host = env.HOST ?? '127.0.0.1';
const server = createLocalServer(route);
server.listen(port, host, () => {
  console.log(`risk-gate local (${config.RISK_STATE}) listening on http://${host}:${port}`);
  console.log(`  accounts: company, director-a, director-b; symbols: BTC/USD ETH/USD SOL/USD USDC/USD USDT/USD`);
  console.log(`  try: curl -s -X POST http://${host}:${port}/v1/risk/validate -H 'content-type: application/json' \\`);
  console.log(
    `        -d '{"account_id":"company","order_id":"demo-1","symbol":"BTC/USD","side":"buy","type":"market","quantity":"0.1"}'`,
  );
});

async function shutdown(): Promise<void> {
  stopMarks();
  clearInterval(drainTimer);
  server.close();
  await api.drainer?.drain().catch(() => undefined);
  await api.close();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
