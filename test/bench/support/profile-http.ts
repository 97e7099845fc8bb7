import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createRedisClient, redisConfigFromUrl } from '../../../shared/adapters/redis/client.js';
import { REDIS_KEYS } from '../../../shared/names.js';
import { redisUrl } from '../../local-env.js';
import {
  keepMarkFresh,
  orderBody,
  riskServerEnv,
  serverStats,
  startReleasing,
  statsFigures,
  waitForAccept,
} from '../http.bench.js';
import { ensureBenchDatabase, startChildServer } from './child.js';
import { summariseCpuProfile } from './cpuprofile-summary.js';
import { drive } from './load-generator.js';

/**
 * One phase of the HTTP bench (issue #16) with the risk server under `node --cpu-prof`:
 * `npx tsx test/bench/support/profile-http.ts <concurrency> <accounts> [profile dir]`
 * (e.g. `16 1` is the ratio's phase, `16 16` the spread one). Same server, orders, Kraken
 * stand-in and load generator as http.bench.ts; prints the phase's figures, the server's
 * counters (support/server-stats.ts) and the profile's top functions by self time. The
 * profile costs the server CPU, so its latency figures are not the bench's.
 */
const concurrency = Number(process.argv[2] ?? 16);
const accounts = Number(process.argv[3] ?? 1);
const profileDir = path.resolve(process.argv[4] ?? `/tmp/risk-http-profile-c${concurrency}-a${accounts}`);
const cpuProf = process.env.PROFILE_CPU !== '0';
mkdirSync(profileDir, { recursive: true });

const dbName = await ensureBenchDatabase();
const base = `bench-prof-${Date.now()}`;
const ids = Array.from({ length: accounts }, (_, i) => `${base}-${i}`);
const redis = createRedisClient({ ...redisConfigFromUrl(redisUrl()), commandTimeoutMs: 5_000 });
await redis.connect();
const stopMarks = keepMarkFresh(redis);
const api = await startChildServer(
  'test/bench/support/risk-server.ts',
  [ids.join(',')],
  riskServerEnv(dbName),
  120_000,
  cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
);
try {
  const price = await waitForAccept(api.url, ids[0] as string, redis);
  const releasers = new Map(ids.map((id) => [id, startReleasing(redis, id)]));
  const answers = { accept: 0, reject: 0, other: 0 };
  const reasons: Record<string, number> = {};
  const figures = await drive({
    url: api.url,
    path: '/v1/risk/validate',
    concurrency,
    warmupMs: Number(process.env.BENCH_HTTP_WARMUP_MS ?? 3_000),
    durationMs: Number(process.env.BENCH_HTTP_DURATION_MS ?? 8_000),
    body: (n) => orderBody(ids[n % ids.length] as string, n, price),
    onMeasureStart: () => void serverStats(api.url, true).catch(() => undefined),
    onAnswer: ({ status, text, measured }) => {
      const decided =
        status === 200
          ? (JSON.parse(text) as {
              decision: string;
              order_id: string;
              account_id: string;
              reasons: { code: string }[];
            })
          : null;
      if (decided?.decision === 'accept') releasers.get(decided.account_id)?.accepted(decided.order_id);
      if (!measured) return;
      if (!decided) answers.other++;
      else if (decided.decision === 'accept') answers.accept++;
      else {
        answers.reject++;
        for (const r of decided.reasons) reasons[r.code] = (reasons[r.code] ?? 0) + 1;
      }
    },
  });
  const stats = await serverStats(api.url, true);
  for (const releaser of releasers.values()) await releaser.stop();
  console.log(JSON.stringify({ concurrency, accounts, figures, answers, reasons, stats }, null, 2));
  console.log(JSON.stringify(statsFigures(`c${concurrency}_a${accounts}`, stats)));
} finally {
  stopMarks();
  await api.stop();
  await redis.del(REDIS_KEYS.auditSpool, ...ids.map((id) => REDIS_KEYS.accountBook(id))).catch(() => undefined);
  redis.disconnect();
}
if (cpuProf) console.log(summariseCpuProfile(profileDir));
