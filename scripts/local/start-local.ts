import { startLocalMode } from './local-mode.js';

/**
 * `npm start`: local mode on 127.0.0.1:PORT (default 8080) with embedded defaults: the
 * local PostgreSQL and Redis (started by scripts/start.sh), or RISK_STATE=memory for none.
 */
const env = process.env;
env.STAGE ??= 'local';
env.POWERTOOLS_DEV ??= 'true';
env.POWERTOOLS_TRACE_ENABLED ??= 'false';
env.POWERTOOLS_METRICS_DISABLED ??= 'true';
env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
const { local, databaseUrl, awsEnvironment } = await import('../../test/local-env.js');
env.RISK_STATE ??= 'stores';
// The whole loop: demo strategy -> gate -> local Kraken -> account feed -> positions.
env.LOCAL_TRADING ??= env.RISK_STATE === 'stores' ? 'on' : 'off';
// With the account feed running, the gate rejects an account whose private feed is not live,
// as a stage should: local mode shows fail closed instead of hiding it.
env.ACCOUNT_FEED_REQUIRED ??= env.LOCAL_TRADING === 'on' ? 'true' : 'false';
env.REDIS_HOST ??= local.redisHost;
env.REDIS_PORT ??= String(local.redisPort);
env.REDIS_TLS ??= 'false';
env.DATABASE_URL ??= databaseUrl(local.dbName);
env.DATABASE_TLS ??= 'false';
for (const [key, value] of Object.entries(awsEnvironment())) env[key] ??= value;

const host = env.HOST ?? '127.0.0.1';
const mode = await startLocalMode({ port: Number(env.PORT ?? 8080), host, env });
console.log(`risk-gate local (${env.RISK_STATE}) listening on ${mode.url}`);
console.log('  accounts: company, director-a, director-b; symbols: BTC/USD ETH/USD SOL/USD USDC/USD USDT/USD');
console.log(`  try: curl -s -X POST ${mode.url}/v1/risk/validate -H 'content-type: application/json' \\`);
console.log(
  `        -d '{"account_id":"company","order_id":"demo-1","symbol":"BTC/USD","side":"buy","type":"market","quantity":"0.1"}'`,
);
if (mode.krakenRestUrl) {
  console.log(`  admin: ${mode.url}/v1/admin/... (kill switch runbook: docs/runbooks/kill-switch.md)`);
  console.log(`  risk desk console: ${mode.url}/console/`);
}

const shutdown = () => {
  mode.stop().finally(() => process.exit(0));
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
