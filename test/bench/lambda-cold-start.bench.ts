import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { migrate } from '../../shared/adapters/postgres/migrate.js';
import { createRedisClient } from '../../shared/adapters/redis/client.js';
import { orderBody } from '../../shared/domain/risk/fixtures.js';
import { ROUTES, TABLES } from '../../shared/names.js';
import { round3 } from '../bench-utils.js';
import { FakeCoinGecko } from '../fakes/coingecko/server.js';
import { awsEnvironment, databaseUrl, local, localStoreEnv } from '../local-env.js';
import { proxyEvent, writeMark } from '../risk-fixtures.js';
import { seedPostgres, seedRedis } from '../support/seed.js';
import { establishStateEpoch } from '../support/state-epoch.js';

/**
 * lambda.<unit>.bundle_kb and lambda.<unit>.init_ms: every Lambda bundle exactly as synth
 * builds it (the prod stage's NodejsFunction assets, esbuild through CDK), each loaded in a
 * fresh `node` the way the Lambda runtime loads it: the function's own NODE_OPTIONS
 * (source maps on), a Lambda-like environment (X-Ray trace header, function name), the
 * module's top level (config parsed, stores connected), then one first invocation.
 * init_ms runs from the import of index.mjs to the first invocation's answer; node's own
 * start-up (the runtime's, not ours) is left out. init_cpu_ms is the CPU the process spent in
 * that span, a steadier figure than wall time on a machine shared with other work. The
 * median of RUNS fresh processes.
 *
 * The stores are the local ones (Redis, PostgreSQL on loopback, no TLS or IAM token, which
 * a deployed function adds); CoinGecko is the local fake. Units whose only request acts on
 * the outside world (the kill executor cancels on Kraken, the migrator answers CloudFormation)
 * are timed to the end of their init and say so in `<unit>.first_request` (0 = not invoked).
 *
 * BENCH_CDK_OUT=DIR reuses an assembly synthesised earlier (`npm run synth -- -o DIR -c stage=prod`);
 * BENCH_LAMBDA_UNITS=risk-api,health times only those units. BENCH_NODE_ARGS adds flags to
 * every child `node` (space-separated), e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` for a CPU
 * profile of each cold start (open in Chrome DevTools or speedscope).
 */
export const group = 'lambda';

const RUNS = 5;
const execFileAsync = promisify(execFile);

interface UnitRequest {
  /** Environment on top of the stage's plain settings and the local stores. */
  readonly env?: Record<string, string>;
  /** The first invocation's event; undefined = timed to the end of init only. */
  readonly event?: unknown;
  /** What the first answer must contain, so the figure times the path it names. */
  readonly answer?: RegExp;
  /** Sets the stores up for one cold start (outside the timer) and returns its event. */
  readonly prepare?: (stores: BenchStores) => Promise<unknown>;
  /** What the context's getRemainingTimeInMillis starts from. @default 30_000 */
  readonly remainingMs?: number;
}

const sqsUrl = `${local.awsEndpoint}/000000000000/bench-cold-start-dlq`;
const kinesisBatch = { Records: [] };
const scheduled = { 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} };

/** What each unit needs to start and the first request it answers. */
const UNITS: Record<string, UnitRequest> = {
  health: { env: { BUILD_VERSION: 'bench' }, event: proxyEvent('GET', ROUTES.health) },
  // A fresh account each time: its limits load from PostgreSQL on the first request, as after
  // a deploy, and no reservation of an earlier run is left for this one to expire.
  'risk-api': {
    prepare: async ({ pool, redis }) => {
      const accountId = `coldstart-${randomUUID().slice(0, 8)}`;
      await pool.query(
        `INSERT INTO ${TABLES.accounts} (account_id, display_name, kind) VALUES ($1, 'Cold start bench', 'company')`,
        [accountId],
      );
      await pool.query(
        `INSERT INTO ${TABLES.accountLimits} (account_id, version, limits, created_by, reason) VALUES ($1, 1, $2, 'bench', 'bench')`,
        [accountId, JSON.stringify({ nav: '5000000' })],
      );
      // Still fresh (1 s limit) when the new process asks, up to several seconds from now on a
      // loaded machine: a stale mark would time the reject path instead.
      const markAt = Date.now() + 5_000;
      await writeMark(redis, 'BTC/USD', '64990', '65010', markAt, { verifiedTsMs: markAt });
      return proxyEvent('POST', ROUTES.validate, orderBody({ account_id: accountId, quantity: '0.01' }));
    },
    answer: /\\"decision\\":\\"accept\\"/,
  },
  // One pass: the drainer works until its remaining time reaches the 5 s safety margin.
  'audit-drainer': { env: { AUDIT_DRAIN_IDLE_SLEEP_MS: '1' }, event: scheduled, remainingMs: 5_020 },
  'admin-api': {
    env: {
      KILL_EVENT_BUS_NAME: 'bench-cold-start',
      KILL_NOTIFY_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:bench-cold-start',
      KRAKEN_REST_URL: 'http://127.0.0.1:9',
    },
    event: proxyEvent('GET', ROUTES.adminKillSwitchHistory, undefined, { limit: '5' }),
  },
  'kill-executor': { env: { KILL_EVENT_BUS_NAME: 'bench-cold-start', KRAKEN_REST_URL: 'http://127.0.0.1:9' } },
  'db-migrator': {},
  'market-evaluator': { env: { DLQ_URL: sqsUrl }, event: kinesisBatch },
  positions: { env: { DLQ_URL: sqsUrl }, event: kinesisBatch },
  'reference-prices': { event: scheduled },
  universe: { event: scheduled },
  'partition-maintenance': { event: scheduled },
  'state-rebuild': { event: scheduled },
};

/** The child: what the Lambda runtime does for one cold start, timed. */
const CHILD = `
const [bundle, eventJson, remainingMs] = process.argv.slice(1);
const started = performance.now();
const cpuAtStart = process.cpuUsage();
const mod = await import(bundle);
const loaded = performance.now();
let answered = loaded;
let answer = '';
if (eventJson !== '') {
  const deadline = Date.now() + Number(remainingMs);
  const context = {
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME, functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:' + process.env.AWS_LAMBDA_FUNCTION_NAME,
    memoryLimitInMB: '256', awsRequestId: crypto.randomUUID(), logGroupName: 'bench', logStreamName: 'bench',
    callbackWaitsForEmptyEventLoop: true, getRemainingTimeInMillis: () => deadline - Date.now(),
  };
  const result = await mod.handler(JSON.parse(eventJson), context);
  answered = performance.now();
  answer = JSON.stringify(result ?? null).slice(0, 300);
  if (result && typeof result === 'object' && 'statusCode' in result && result.statusCode >= 500)
    throw new Error('first request failed: ' + JSON.stringify(result));
}
const cpu = process.cpuUsage(cpuAtStart);
const timing = { load: loaded - started, init: answered - started, cpu: (cpu.user + cpu.system) / 1000, answer };
process.stdout.write('\\n@@INIT@@' + JSON.stringify(timing) + '\\n');
process.exit(0);
`;

/** Wall-clock ms to the end of the module's top level and to the first answer; CPU ms spent by then. */
interface Timing {
  readonly load: number;
  readonly init: number;
  readonly cpu: number;
  /** The start of the first answer (JSON), '' when not invoked. */
  readonly answer: string;
}

interface LambdaBundle {
  readonly unit: string;
  readonly dir: string;
  /** The function's plain (non-token) environment from the template. */
  readonly env: Record<string, string>;
}

/** Synthesises the prod stage with bundling into a temp dir, or reads BENCH_CDK_OUT. */
async function prodAssembly(): Promise<{ dir: string; cleanup: () => void }> {
  const given = process.env.BENCH_CDK_OUT;
  if (given) return { dir: path.resolve(given), cleanup: () => undefined };
  const { App } = await import('aws-cdk-lib');
  const { buildApp } = await import('../../infra/app.js');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-cdk-'));
  const app = new App({
    outdir: dir,
    // The CLI sets asset metadata (each function's asset path); an in-process App must ask for it.
    context: { stage: 'prod', account: '123456789012', buildVersion: 'bench', 'aws:cdk:enable-asset-metadata': true },
  });
  buildApp(app);
  app.synth();
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Every Lambda of the assembly whose bundle is one of our units (`functions/<unit>/handler.ts`). */
function lambdaBundles(assemblyDir: string): LambdaBundle[] {
  const stageDir = path.join(assemblyDir, 'assembly-risk-gate-prod');
  const bundles: LambdaBundle[] = [];
  for (const file of readdirSync(stageDir).filter((f) => f.endsWith('.template.json'))) {
    const template = JSON.parse(readFileSync(path.join(stageDir, file), 'utf8')) as {
      Resources: Record<
        string,
        { Type: string; Metadata?: Record<string, string>; Properties: Record<string, unknown> }
      >;
    };
    for (const resource of Object.values(template.Resources)) {
      const assetPath = resource.Metadata?.['aws:asset:path'];
      if (resource.Type !== 'AWS::Lambda::Function' || !assetPath) continue;
      const dir = path.resolve(stageDir, assetPath);
      const map = path.join(dir, 'index.mjs.map');
      if (!existsSync(map)) continue;
      const sources = (JSON.parse(readFileSync(map, 'utf8')) as { sources: string[] }).sources;
      const unit = sources.map((s) => /functions\/([^/]+)\/handler\.ts$/.exec(s)?.[1]).find(Boolean);
      if (!unit) continue;
      const variables = ((resource.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)
        ?.Variables ?? {}) as Record<string, unknown>;
      const env = Object.fromEntries(
        Object.entries(variables).filter(
          // Store addresses, auth and replica counts are the deployed stage's; the local stores replace them.
          (entry): entry is [string, string] =>
            typeof entry[1] === 'string' &&
            !/^(STAGE|REDIS_|DATABASE_|ALLOW_INSECURE|ACCOUNT_FEED_REQUIRED)|_REPLICA_ACKS$/.test(entry[0]),
        ),
      );
      bundles.push({ unit, dir, env });
    }
  }
  return bundles.sort((a, b) => a.unit.localeCompare(b.unit));
}

/** The local stores in the state a deployed stage's would be in: schema, seed, marks, epoch. */
interface BenchStores {
  readonly pool: pg.Pool;
  readonly redis: Redis;
}

async function prepareStores(): Promise<BenchStores> {
  const client = new pg.Client({ connectionString: databaseUrl() });
  await client.connect();
  try {
    await migrate(client);
  } finally {
    await client.end();
  }
  const pool = new pg.Pool({ connectionString: databaseUrl(), max: 1 });
  const redis = createRedisClient({ host: local.redisHost, port: local.redisPort, db: local.testRedisDb, tls: false });
  await redis.connect();
  await seedPostgres(pool);
  await seedRedis(redis);
  await establishStateEpoch(redis, pool);
  return { pool, redis };
}

async function coldStart(bundle: LambdaBundle, request: UnitRequest, event: unknown): Promise<Timing> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    ...bundle.env,
    ...localStoreEnv(),
    ...awsEnvironment(),
    ...request.env,
    AWS_LAMBDA_FUNCTION_NAME: `risk-gate-${bundle.unit}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    LAMBDA_TASK_ROOT: bundle.dir,
    _X_AMZN_TRACE_ID: `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomUUID().replaceAll('-', '').slice(0, 24)};Parent=53995c3f42cd8ad8;Sampled=1`,
    AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:2000',
    AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
  };
  const { stdout } = await execFileAsync(
    process.execPath,
    [
      ...(env.NODE_OPTIONS ? env.NODE_OPTIONS.split(' ') : []),
      ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      '--input-type=module',
      '-e',
      CHILD,
      pathToFileURL(path.join(bundle.dir, 'index.mjs')).href,
      event === undefined ? '' : JSON.stringify(event),
      String(request.remainingMs ?? 30_000),
    ],
    { cwd: bundle.dir, env: { ...env, NODE_OPTIONS: '' }, maxBuffer: 16 * 1024 * 1024, timeout: 60_000 },
  ).catch((error: { stdout?: string; stderr?: string; message: string }) => {
    throw new Error(`${bundle.unit} did not start: ${error.message}\n${error.stderr ?? ''}\n${error.stdout ?? ''}`);
  });
  const line = stdout.split('\n').find((l) => l.startsWith('@@INIT@@'));
  if (!line) throw new Error(`${bundle.unit} printed no timing:\n${stdout}`);
  return JSON.parse(line.slice('@@INIT@@'.length)) as Timing;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

export default async function run(): Promise<Record<string, number>> {
  const assembly = await prodAssembly();
  try {
    const bundles = lambdaBundles(assembly.dir);
    const missing = Object.keys(UNITS).filter((unit) => !bundles.some((b) => b.unit === unit));
    const unknown = bundles.filter((b) => !UNITS[b.unit]).map((b) => b.unit);
    if (missing.length > 0 || unknown.length > 0)
      throw new Error(`bench units out of date: missing bundles ${missing.join(', ')}; no request for ${unknown}`);
    const stores = await prepareStores();
    const coinGecko = new FakeCoinGecko();
    const coinGeckoUrl = await coinGecko.start();
    const only = process.env.BENCH_LAMBDA_UNITS?.split(',');
    const figures: Record<string, number> = {};
    for (const bundle of bundles.filter((b) => !only || only.includes(b.unit))) {
      const request = UNITS[bundle.unit] as UnitRequest;
      const runs: Timing[] = [];
      const withFakes = { ...request, env: { COINGECKO_BASE_URL: coinGeckoUrl, ...request.env } };
      for (let i = 0; i < RUNS; i++) {
        const event = request.prepare ? await request.prepare(stores) : request.event;
        const timing = await coldStart(bundle, withFakes, event);
        if (request.answer && !request.answer.test(timing.answer))
          throw new Error(`${bundle.unit} answered ${timing.answer}, not ${request.answer}`);
        runs.push(timing);
      }
      figures[`${bundle.unit}.bundle_kb`] = Math.round(statSync(path.join(bundle.dir, 'index.mjs')).size / 1024);
      figures[`${bundle.unit}.load_ms`] = round3(median(runs.map((r) => r.load)));
      figures[`${bundle.unit}.init_ms`] = round3(median(runs.map((r) => r.init)));
      figures[`${bundle.unit}.init_cpu_ms`] = round3(median(runs.map((r) => r.cpu)));
      figures[`${bundle.unit}.first_request`] = request.event === undefined && !request.prepare ? 0 : 1;
      console.error(
        `lambda ${bundle.unit}: ${figures[`${bundle.unit}.bundle_kb`]} kB, init ${figures[`${bundle.unit}.init_ms`]} ms`,
      );
    }
    await coinGecko.stop();
    stores.redis.disconnect();
    await stores.pool.end();
    return figures;
  } finally {
    assembly.cleanup();
  }
}
