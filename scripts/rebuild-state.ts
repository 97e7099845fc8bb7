/**
 * Rebuilds the risk state cache from Aurora (issue #18; docs/runbooks/cache-loss.md).
 *
 *   npm run rebuild-state                       local mode's PostgreSQL and Redis
 *   npm run rebuild-state -- --stage staging    a stage's, from the environment: the same
 *                                               variables as the state-rebuild Lambda (REDIS_HOST,
 *                                               REDIS_AUTH_SECRET_ID, DATABASE_HOST, DATABASE_USER,
 *                                               AWS_REGION, CONTROL_MIN_REPLICA_ACKS, ...)
 *   add --force to rebuild a cache whose epoch is current (it is dropped first: orders are
 *   rejected until the rebuild ends, seconds).
 *
 * Prints the outcome as JSON (`rebuilt` with what it restored and `durationMs`, or
 * `skipped`); exit code 0 when the cache serves, 1 when the rebuild failed.
 */
import { databaseLoginUser } from '../shared/names.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : undefined;
};
const stage = flag('stage');
const env = process.env;
if (stage) {
  env.STAGE = stage;
  // As the state-rebuild Lambda connects: its unit's own database user (migration 011).
  env.DATABASE_USER ??= databaseLoginUser('stateRebuild');
} else {
  // Local mode's stores, as `npm start` reaches them (scripts/local/start-local.ts).
  const { local, databaseUrl } = await import('../test/local-env.js');
  env.STAGE ??= 'local';
  env.REDIS_HOST ??= local.redisHost;
  env.REDIS_PORT ??= String(local.redisPort);
  env.REDIS_TLS ??= 'false';
  env.DATABASE_URL ??= databaseUrl(local.dbName);
  env.DATABASE_TLS ??= 'false';
}
env.POWERTOOLS_METRICS_DISABLED ??= 'true';

const { loadStateRebuildConfig } = await import('../functions/state-rebuild/config.js');
const { createStateRebuildApp } = await import('../functions/state-rebuild/app.js');
const app = await createStateRebuildApp(loadStateRebuildConfig(env));
try {
  const outcome = await app.run({ force: args.includes('--force') });
  console.log(JSON.stringify(outcome, null, 2));
} catch (error) {
  console.error(`rebuild failed: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await app.close();
}
