import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { createRiskApi } from '../../../functions/risk-api/app.js';
import { riskApiConfigSchema } from '../../../functions/risk-api/config.js';
import { createRouter } from '../../../functions/risk-api/router.js';
import { migrate } from '../../../shared/adapters/postgres/migrate.js';
import { createRedisClient } from '../../../shared/adapters/redis/client.js';
import { TABLES } from '../../../shared/names.js';
import { createLocalServer } from '../../../shared/runtime/local-http.js';
import { seedPostgres, seedRedis } from '../../support/seed.js';
import { establishStateEpoch } from '../../support/state-epoch.js';
import { instrumentServer } from './server-stats.js';

/**
 * The risk API alone over HTTP on the real stores, as local mode serves it (the same
 * createLocalServer front and router), for http.bench.ts and load.bench.ts. Its own process,
 * so neither the load generator nor the feed share its event loop (in AWS nothing else runs
 * in the function). Config from the environment (riskApiConfigSchema: the bench points
 * REDIS_* and DATABASE_URL at its own database and Redis db, or at fault proxies). argv[2]
 * names the bench accounts (comma-separated): created with a throttle and book limits the bench cannot reach.
 * Optionally (argv[3] = "drain") runs the audit drainer's use case beside it, as local mode
 * does, so the spool reaches risk_decisions. Prints `listening on <url>`.
 */
const accountIds = (process.argv[2] ?? '').split(',').filter((id) => id.length > 0);
if (accountIds.length === 0) throw new Error('usage: risk-server.ts <bench account id>[,<id>...] [drain]');
const config = riskApiConfigSchema.parse(process.env);

// Migrations and seed through a direct connection (MIGRATE_DATABASE_URL: not the fault proxy).
const admin = new pg.Client({ connectionString: process.env.MIGRATE_DATABASE_URL ?? config.DATABASE_URL });
await admin.connect();
await migrate(admin);
const seedPool = new pg.Pool({ connectionString: process.env.MIGRATE_DATABASE_URL ?? config.DATABASE_URL, max: 1 });
await seedPostgres(seedPool);
for (const accountId of accountIds) {
  await seedPool.query(
    `INSERT INTO ${TABLES.accounts} (account_id, display_name, kind) VALUES ($1, 'Bench desk', 'company') ON CONFLICT DO NOTHING`,
    [accountId],
  );
  await seedPool.query(
    `INSERT INTO ${TABLES.accountLimits} (account_id, version, limits, created_by, reason) VALUES ($1, 1, $2, 'bench', 'bench') ON CONFLICT DO NOTHING`,
    [
      accountId,
      JSON.stringify({
        nav: '50000000',
        max_orders_per_window: 1_000_000,
        max_open_orders: 100_000,
        max_open_orders_per_symbol: 100_000,
      }),
    ],
  );
}
const seedRedisClient = createRedisClient({
  host: process.env.SEED_REDIS_HOST ?? config.REDIS_HOST ?? '127.0.0.1',
  port: Number(process.env.SEED_REDIS_PORT ?? config.REDIS_PORT),
  db: config.REDIS_DB,
  tls: false,
});
await seedRedisClient.connect();
await seedRedis(seedRedisClient);
await establishStateEpoch(seedRedisClient, seedPool);
seedRedisClient.disconnect();
await seedPool.end();
await admin.end();

const api = await createRiskApi(config);
const stats = instrumentServer(api.adapters.redis);
const riskRoute = createRouter(api.ports, config.STAGE);
/** The router, plus `GET /__bench/stats[?reset=1]` (support/server-stats.ts) for the bench. */
const route: typeof riskRoute = async (event) => {
  if (event.path === '/__bench/stats') {
    const body = stats.read(event.queryStringParameters?.reset === '1');
    return { statusCode: 200, body: JSON.stringify(body) };
  }
  const result = await riskRoute(event);
  if (event.path === '/v1/risk/validate' && result.statusCode === 200) {
    // The decision id names the validation's decide trips (the script's rate member).
    stats.answered((JSON.parse(result.body) as { decision_id?: string }).decision_id);
  }
  return result;
};
let stopDrainer: (() => Promise<void>) | null = null;
if (process.argv[3] === 'drain') {
  const { drainSettingsFrom, loadAuditDrainerConfig } = await import('../../../functions/audit-drainer/config.js');
  const { drainAuditSpool } = await import('../../../functions/audit-drainer/drain-audit-spool.js');
  const { PostgresDecisionAuditWriter } = await import('../../../shared/adapters/postgres/decision-audit.js');
  const { RedisAuditSpool } = await import('../../../shared/adapters/redis/audit-spool.js');
  const settings = drainSettingsFrom(loadAuditDrainerConfig(process.env));
  const ports = {
    spool: new RedisAuditSpool(api.adapters.redis),
    table: new PostgresDecisionAuditWriter(api.adapters.pool),
  };
  let stopped = false;
  const running = (async () => {
    // The Lambda runs a minute at a time; here it loops until stopped, riding out store faults.
    while (!stopped) {
      await drainAuditSpool(
        ports,
        {
          remainingMs: () => (stopped ? 0 : Number.POSITIVE_INFINITY),
          sleep: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
        },
        settings,
      ).catch(() => new Promise((resolve) => setTimeout(resolve, 200)));
    }
  })();
  stopDrainer = async () => {
    stopped = true;
    await running;
  };
}
const server = createLocalServer(route);
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  console.log(`risk api listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
process.on('SIGTERM', () => {
  server.close();
  void (async () => {
    await stopDrainer?.();
    await api.close();
    process.exit(0);
  })();
});
