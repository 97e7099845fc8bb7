import pg from 'pg';
import { createRedisClient, redisConfigFromUrl } from '../../shared/adapters/redis/client.js';
import { REDIS_KEYS, TABLES } from '../../shared/names.js';
import { TcpProxy } from '../fakes/tcp-proxy.js';
import { databaseUrl, local, redisUrl } from '../local-env.js';
import { keepMarkFresh, orderBody, riskServerEnv, startReleasing, waitForAccept } from './http.bench.js';
import { ensureBenchDatabase, startChildServer } from './support/child.js';
import { type Answer, drive, type LoadFigures } from './support/load-generator.js';

/**
 * load.*: the risk API under sustained load with its stores failing under it (issue #16),
 * `npm run bench -- load` (not in the default run: minutes long).
 *
 * The risk API (support/risk-server.ts, its own process, with the audit drainer's use case
 * running beside it as in local mode) reaches Redis and PostgreSQL through TCP proxies
 * (test/fakes/tcp-proxy.ts, as the fault tests do), so a store is "stopped" for the API alone
 * and never for the other engineers sharing it. 16 closed-loop clients (support/load-generator.ts)
 * send limit and market buys with unique order ids:
 * - steady_*: BENCH_LOAD_DURATION_S (default 60) with both stores up;
 * - the fault run (the unprefixed figures): as long again, Redis stopped for
 *   BENCH_LOAD_REDIS_DOWN_S (5) from a quarter in, PostgreSQL for BENCH_LOAD_PG_DOWN_S (10)
 *   from 55 % in.
 * The BTC/USD mark is kept fresh by the bench straight into Redis (not through the proxy), a
 * stand-in for the ingester: local mode's feed re-creates the shared kinesis-local stream it
 * publishes to, which would break the others' runs on this machine.
 *
 * - wrongful_accepts: accepts of requests sent and answered while Redis was stopped (the
 *   state and reservation they need were unavailable), plus accepts sent after PostgreSQL had
 *   been stopped longer than the limits cache may serve stale (LIMITS_MAX_STALE_MS), plus
 *   accepts whose answer shows a mark older than MARK_MAX_AGE_MS.
 * - lost_audit_rows: decisions answered (each answer's decision_id) minus those found in
 *   risk_decisions once the spool has drained (or BENCH_LOAD_DRAIN_TIMEOUT_S has passed).
 * - recovery_ms: a store back -> the first accept of a request sent after it (the larger of
 *   the two; redis_recovery_ms and pg_recovery_ms beside it).
 */
export const group = 'load';
export const notes: string[] = [];

const seconds = (name: string, fallback: number) => Number(process.env[name] ?? fallback) * 1000;
const DURATION_MS = seconds('BENCH_LOAD_DURATION_S', 60);
const REDIS_DOWN_MS = seconds('BENCH_LOAD_REDIS_DOWN_S', 5);
const PG_DOWN_MS = seconds('BENCH_LOAD_PG_DOWN_S', 10);
const DRAIN_TIMEOUT_MS = seconds('BENCH_LOAD_DRAIN_TIMEOUT_S', 180);
const CONCURRENCY = 16;
const LIMITS_MAX_STALE_MS = 60_000;
const MARK_MAX_AGE_MS = 1_000;

interface Decided {
  readonly decision: string;
  readonly decision_id?: string;
  readonly order_id: string;
  readonly mark?: { age_ms?: number } | null;
  readonly reasons?: { code: string }[];
}

interface Sent extends Answer {
  readonly sentAt: number;
  readonly decided: Decided | null;
}

export default async function run(): Promise<Record<string, number | null>> {
  const dbName = await ensureBenchDatabase();
  const accountId = `bench-load-${Date.now()}`;
  const direct = createRedisClient({ ...redisConfigFromUrl(redisUrl()), commandTimeoutMs: 5_000 });
  await direct.connect();
  const pool = new pg.Pool({ connectionString: databaseUrl(dbName), max: 2 });
  const redisProxy = new TcpProxy(local.redisHost, local.redisPort);
  const pgProxy = new TcpProxy(local.pgHost, local.pgPort);
  await redisProxy.start();
  await pgProxy.start();
  const stopMarks = keepMarkFresh(direct);
  const proxiedDbUrl = databaseUrl(dbName).replace(`:${local.pgPort}/`, `:${pgProxy.port}/`);
  const api = await startChildServer(
    'test/bench/support/risk-server.ts',
    [accountId, 'drain'],
    riskServerEnv(dbName, {
      REDIS_PORT: String(redisProxy.port),
      DATABASE_URL: proxiedDbUrl,
      MIGRATE_DATABASE_URL: databaseUrl(dbName),
      SEED_REDIS_PORT: String(local.redisPort),
    }),
  );
  try {
    const price = await waitForAccept(api.url, accountId, direct);
    const phase = async (faults: boolean) => {
      const sent: Sent[] = [];
      const releasing = startReleasing(direct, accountId);
      const windows = { redisDown: Number.NaN, redisUp: Number.NaN, pgDown: Number.NaN, pgUp: Number.NaN };
      const timers: NodeJS.Timeout[] = [];
      const started = performance.now();
      if (faults) {
        const at = (ms: number, act: () => Promise<void>) =>
          timers.push(setTimeout(() => void act().catch((e) => notes.push(`fault step failed: ${String(e)}`)), ms));
        at(DURATION_MS * 0.25, async () => {
          windows.redisDown = performance.now();
          await redisProxy.stop();
        });
        at(DURATION_MS * 0.25 + REDIS_DOWN_MS, async () => {
          await redisProxy.start();
          windows.redisUp = performance.now();
        });
        at(DURATION_MS * 0.55, async () => {
          windows.pgDown = performance.now();
          await pgProxy.stop();
        });
        at(DURATION_MS * 0.55 + PG_DOWN_MS, async () => {
          await pgProxy.start();
          windows.pgUp = performance.now();
        });
      }
      const figures = await drive({
        url: api.url,
        path: '/v1/risk/validate',
        concurrency: CONCURRENCY,
        warmupMs: 0,
        durationMs: DURATION_MS,
        body: (n) => orderBody(accountId, n, price),
        onAnswer: (answer) => {
          let decided: Decided | null = null;
          if (answer.status === 200) decided = JSON.parse(answer.text) as Decided;
          if (decided?.decision === 'accept') releasing.accepted(decided.order_id);
          sent.push({ ...answer, sentAt: answer.at - answer.latencyMs, decided });
        },
      });
      for (const timer of timers) clearTimeout(timer);
      await releasing.stop();
      return { figures, sent, windows, started };
    };

    // Warm: untimed requests first, so the JIT has settled before either measured run.
    const warming = startReleasing(direct, accountId);
    await drive({
      url: api.url,
      path: '/v1/risk/validate',
      concurrency: CONCURRENCY,
      warmupMs: 0,
      durationMs: 5_000,
      body: (n) => orderBody(accountId, n, price),
      onAnswer: ({ status, text }) => {
        const decided = status === 200 ? (JSON.parse(text) as Decided) : null;
        if (decided?.decision === 'accept') warming.accepted(decided.order_id);
      },
    });
    await warming.stop();
    const steady = await phase(false);
    const faulty = await phase(true);
    await waitForDrain(direct);
    const steadyLost = await lostAuditRows(pool, steady.sent, 'steady');
    const faultLost = await lostAuditRows(pool, faulty.sent, 'faults');

    const { redisDown, redisUp, pgDown, pgUp } = faulty.windows;
    let wrongful = 0;
    let staleMarkAccepts = 0;
    for (const s of [...steady.sent, ...faulty.sent]) {
      if (s.decided?.decision !== 'accept') continue;
      if ((s.decided.mark?.age_ms ?? 0) > MARK_MAX_AGE_MS) staleMarkAccepts++;
    }
    for (const s of faulty.sent) {
      if (s.decided?.decision !== 'accept') continue;
      const inRedisOutage = s.sentAt >= redisDown && s.at <= redisUp;
      const pastLimitsStaleness = s.sentAt >= pgDown + LIMITS_MAX_STALE_MS && s.at <= pgUp;
      if (inRedisOutage || pastLimitsStaleness) wrongful++;
    }
    const firstAcceptAfter = (t: number) => {
      const first = faulty.sent
        .filter((s) => s.decided?.decision === 'accept' && s.sentAt >= t)
        .reduce((min, s) => Math.min(min, s.at), Number.POSITIVE_INFINITY);
      return Number.isFinite(first) ? Math.round(first - t) : null;
    };
    const redisRecovery = Number.isNaN(redisUp) ? null : firstAcceptAfter(redisUp);
    const pgRecovery = Number.isNaN(pgUp) ? null : firstAcceptAfter(pgUp);
    const rejectsBy = (sent: Sent[], code: string) =>
      sent.filter((s) => s.decided?.decision === 'reject' && s.decided.reasons?.some((r) => r.code === code)).length;
    const count = (sent: Sent[], decision: string) => sent.filter((s) => s.decided?.decision === decision).length;
    const put = (prefix: string, f: LoadFigures) => ({
      [`${prefix}rps`]: f.rps,
      [`${prefix}p50_ms`]: f.p50_ms,
      [`${prefix}p99_ms`]: f.p99_ms,
      [`${prefix}p999_ms`]: f.p999_ms,
      [`${prefix}errors_5xx`]: f.errors_5xx,
      [`${prefix}no_answer`]: f.failed,
    });
    return {
      ...put('', faulty.figures),
      wrongful_accepts: wrongful + staleMarkAccepts,
      lost_audit_rows: faultLost,
      recovery_ms: redisRecovery === null || pgRecovery === null ? null : Math.max(redisRecovery, pgRecovery),
      redis_recovery_ms: redisRecovery,
      pg_recovery_ms: pgRecovery,
      accepts: count(faulty.sent, 'accept'),
      rejects: count(faulty.sent, 'reject'),
      rejects_state_unavailable: rejectsBy(faulty.sent, 'RISK_STATE_UNAVAILABLE'),
      duration_s: DURATION_MS / 1000,
      redis_down_s: REDIS_DOWN_MS / 1000,
      pg_down_s: PG_DOWN_MS / 1000,
      concurrency: CONCURRENCY,
      ...put('steady_', steady.figures),
      steady_accepts: count(steady.sent, 'accept'),
      steady_rejects: count(steady.sent, 'reject'),
      steady_lost_audit_rows: steadyLost,
    };
  } finally {
    stopMarks();
    await api.stop();
    await redisProxy.stop();
    await pgProxy.stop();
    await direct.del(REDIS_KEYS.accountBook(accountId)).catch(() => undefined);
    direct.disconnect();
    await pool.end();
  }
}

/** Waits until the audit spool is empty (the drainer moved every entry to risk_decisions). */
async function waitForDrain(redis: ReturnType<typeof createRedisClient>): Promise<void> {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if ((await redis.xlen(REDIS_KEYS.auditSpool)) === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  notes.push(`the audit spool had not drained after ${DRAIN_TIMEOUT_MS / 1000} s`);
}

/** Answered decisions whose decision_id is not in risk_decisions (the first few are named in notes). */
async function lostAuditRows(pool: pg.Pool, sent: readonly Sent[], label: string): Promise<number> {
  const answered = new Map<string, Sent>();
  for (const s of sent) if (s.decided?.decision_id) answered.set(s.decided.decision_id, s);
  const ids = [...answered.keys()];
  const missing: string[] = [];
  for (let i = 0; i < ids.length; i += 10_000) {
    const chunk = ids.slice(i, i + 10_000);
    const result = await pool.query<{ decision_id: string }>(
      `SELECT DISTINCT decision_id::text FROM ${TABLES.riskDecisions} WHERE decision_id = ANY($1::uuid[])`,
      [chunk],
    );
    const found = new Set(result.rows.map((r) => r.decision_id));
    for (const id of chunk) if (!found.has(id)) missing.push(id);
  }
  for (const id of missing.slice(0, 5)) {
    const s = answered.get(id);
    notes.push(
      `${label}: decision ${id} answered (${s?.decided?.decision}, ${s?.decided?.reasons?.map((r) => r.code).join(',') ?? ''}, ${Math.round(s?.latencyMs ?? 0)} ms) but not in ${TABLES.riskDecisions}`,
    );
  }
  return missing.length;
}
