/**
 * Disaster-recovery drills (issue #18; docs/runbooks/cache-loss.md). Each prints its figures
 * as JSON and exits 0 when they hold (no wrongful accept, no missing audit row, controls
 * kept), 1 when they do not, 2 when the drill cannot run where asked.
 *
 *   npm run drill -- cache-loss                     local mode's stores (PostgreSQL, Redis db 0)
 *   npm run drill -- cache-failover                 a private local Redis primary + 2 replicas
 *   npm run drill -- db-failover                    no local variant (says why)
 *   npm run drill -- cache-failover --stage staging --url https://<api>/staging \
 *        --replication-group-id <id> --killed-account <drill account> [--node-group-id 0001]
 *   npm run drill -- db-failover --stage staging --url https://<api>/staging \
 *        --killed-account <drill account> [--cluster-id risk-gate-staging-aurora]
 *
 * Against a stage, requests are SigV4-signed with the current AWS session (the risk manager
 * role with MFA, plus elasticache:TestFailover / rds:FailoverDBCluster for the drill). A
 * stage's cache-loss is a documented procedure, not a command: see the runbook.
 */
import { parseCliArgs } from './cli/gate-client.js';

const args = parseCliArgs();
const name = args.command;
const stage = args.flag('stage');
const log = (line: string) => console.error(`[drill] ${line}`);

type Figures = { wrongful_accepts?: number; missing_audit_rows?: number; [key: string]: unknown };

async function localEnv(): Promise<Record<string, string | undefined>> {
  const { local, databaseUrl, awsEnvironment } = await import('../test/local-env.js');
  return {
    ...awsEnvironment(),
    ...process.env,
    STAGE: 'local',
    REDIS_HOST: process.env.REDIS_HOST ?? local.redisHost,
    REDIS_PORT: process.env.REDIS_PORT ?? String(local.redisPort),
    REDIS_TLS: 'false',
    DATABASE_URL: process.env.DATABASE_URL ?? databaseUrl(local.dbName),
    DATABASE_TLS: 'false',
    POWERTOOLS_METRICS_DISABLED: 'true',
  };
}

async function run(): Promise<{ figures: Figures; ok: boolean } | { unavailable: string }> {
  if (name === 'cache-loss') {
    if (stage) {
      return {
        unavailable: `cache-loss against ${stage} is a documented procedure (docs/runbooks/cache-loss.md), not a command`,
      };
    }
    const { startLocalGate } = await import('./drills/local-gate.js');
    const { cacheLossDrill } = await import('./drills/cache-loss.js');
    const gate = await startLocalGate(await localEnv());
    try {
      const figures = await cacheLossDrill(gate, { log });
      const ok =
        figures.wrongful_accepts === 0 && figures.kill_switch_engaged_after_rebuild && figures.accepted_after_release;
      return { figures: { ...figures }, ok };
    } finally {
      await gate.close();
    }
  }
  if (name === 'cache-failover') {
    if (!stage) {
      const { cacheFailoverDrillLocal } = await import('./drills/cache-failover.js');
      const figures = await cacheFailoverDrillLocal(await localEnv(), { log });
      return { figures: { ...figures }, ok: passes(figures) && figures.kill_switch_engaged_after };
    }
    const { remoteGate } = await import('./drills/remote-gate.js');
    const { cacheFailoverDrillAws } = await import('./drills/cache-failover.js');
    const figures = await cacheFailoverDrillAws(remoteGate(args.baseUrl), {
      stage,
      replicationGroupId: args.need('replication-group-id'),
      nodeGroupId: args.flag('node-group-id'),
      freeAccount: args.flag('free-account'),
      killedAccount: args.need('killed-account'),
      log,
    });
    return { figures: { ...figures }, ok: passes(figures) && figures.kill_switch_engaged_after };
  }
  if (name === 'db-failover') {
    const { DB_FAILOVER_LOCAL_UNAVAILABLE, dbFailoverDrillAws } = await import('./drills/db-failover.js');
    if (!stage) return { unavailable: DB_FAILOVER_LOCAL_UNAVAILABLE };
    const { remoteGate } = await import('./drills/remote-gate.js');
    const figures = await dbFailoverDrillAws(remoteGate(args.baseUrl), {
      stage,
      clusterId: args.flag('cluster-id'),
      freeAccount: args.flag('free-account'),
      killedAccount: args.need('killed-account'),
      log,
    });
    return { figures: { ...figures }, ok: passes(figures) };
  }
  return { unavailable: `unknown drill "${name ?? ''}": cache-loss, cache-failover or db-failover` };
}

function passes(figures: { readonly wrongful_accepts: number; readonly missing_audit_rows: number }): boolean {
  return figures.wrongful_accepts === 0 && figures.missing_audit_rows === 0;
}

const result = await run();
if ('unavailable' in result) {
  console.error(result.unavailable);
  process.exit(2);
}
console.log(JSON.stringify(result.figures, null, 2));
process.exit(result.ok ? 0 : 1);
