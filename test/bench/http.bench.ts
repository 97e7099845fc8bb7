import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  ACCOUNT_BOOK_FIELDS,
  compareAndSetAccountBook,
  deleteReservationOp,
} from '../../shared/adapters/redis/account-book-hash.js';
import { createRedisClient, redisConfigFromUrl } from '../../shared/adapters/redis/client.js';
import { REDIS_KEYS } from '../../shared/names.js';
import { databaseUrl, local, redisUrl } from '../local-env.js';
import { writeMark } from '../risk-fixtures.js';
import { type ChildServer, ensureBenchDatabase, startChildServer } from './support/child.js';
import { drive, type LoadFigures } from './support/load-generator.js';
import type { ServerStats } from './support/server-stats.js';

/**
 * http.*: the risk API over HTTP against the machine's floor, same load generator, same run
 * (issue #16). The floor is a bare node:http server doing one Redis round trip and answering
 * a fixed JSON body (support/floor-server.ts); ours is the risk API on the real local Redis
 * and PostgreSQL behind local mode's HTTP front (support/risk-server.ts), each in a process
 * of its own, the load generator (and the mark writer standing in for the ingester) in this
 * one. Local mode's feed, jobs and drainer are not run beside it: in AWS they are other
 * machines, and on this 2-core VM they would take the API's cores (issue #16). Closed loop, keep-alive, at
 * concurrency 1 and 16, warm (untimed warm-up first), every order id unique.
 *
 * The orders are a bench account's (its limits: a throttle and book sizes the bench cannot
 * reach), limit and market buys in turn. Kraken's part is played outside the measured path: every 100 ms the
 * accepted orders are canceled (their reservations released), so the book stays small. Each
 * release moves the book, so the account's next decision takes a second Redis trip, as in
 * risk.handler_* (one decision in ~20 there).
 */
export const group = 'http';

const WARMUP_MS = Number(process.env.BENCH_HTTP_WARMUP_MS ?? 3_000);
const DURATION_MS = Number(process.env.BENCH_HTTP_DURATION_MS ?? 8_000);
const CONCURRENCY = [1, 16] as const;

/** Buys of BTC/USD, limit (at `limitPrice`, inside the price bands) and market in turn, each with its own order id. */
export function orderBody(accountId: string, n: number, limitPrice: string): string {
  return JSON.stringify({
    account_id: accountId,
    order_id: `bench-${randomUUID()}-${n}`,
    symbol: 'BTC/USD',
    side: 'buy',
    type: n % 2 === 0 ? 'limit' : 'market',
    quantity: '0.01',
    ...(n % 2 === 0 ? { limit_price: limitPrice } : {}),
    intent: 'open',
  });
}

/** A limit price at the live mark (the local feed's BTC/USD mid, whole dollars). */
export async function markPrice(redis: Redis): Promise<string> {
  const mid = await redis.hget(REDIS_KEYS.mark('BTC/USD'), 'mid');
  if (!mid) throw new Error('no BTC/USD mark in Redis: is the local feed running?');
  return String(Math.round(Number(mid)));
}

/** The risk API server's environment: the bench's own database, the test Redis db (each overridable, e.g. by fault proxies). */
export function riskServerEnv(dbName: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    STAGE: 'local',
    POWERTOOLS_DEV: 'false',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    REDIS_HOST: local.redisHost,
    REDIS_PORT: String(local.redisPort),
    REDIS_DB: String(local.testRedisDb),
    REDIS_TLS: 'false',
    DATABASE_URL: databaseUrl(dbName),
    DATABASE_TLS: 'false',
    ...extra,
  };
}

/** Keeps the BTC/USD mark fresh (well inside its 1 s age limit), as the ingester would; returns its stop. */
export function keepMarkFresh(redis: Redis, mid = 65_000): () => void {
  const write = () =>
    writeMark(redis, 'BTC/USD', String(mid - 0.5), String(mid + 0.5), Date.now(), { mid: String(mid) }).catch(
      () => undefined,
    );
  void write();
  const timer = setInterval(write, 250);
  return () => clearInterval(timer);
}

/** Plays Kraken's cancels: releases the accepted orders' reservations every `everyMs`. */
export function startReleasing(redis: Redis, accountId: string, everyMs = 100) {
  let pending: string[] = [];
  let busy: Promise<void> = Promise.resolve();
  const release = async (ids: string[]) => {
    const key = REDIS_KEYS.accountBook(accountId);
    for (let attempt = 0; attempt < 1_000 && ids.length > 0; attempt++) {
      const version = Number((await redis.hget(key, ACCOUNT_BOOK_FIELDS.version)) ?? 0);
      if ((await compareAndSetAccountBook(redis, key, version, ids.map(deleteReservationOp))).applied) return;
    }
  };
  const timer = setInterval(() => {
    const ids = pending;
    pending = [];
    busy = busy.then(() => release(ids)).catch(() => undefined);
  }, everyMs);
  return {
    accepted(orderId: string) {
      pending.push(orderId);
    },
    async stop() {
      clearInterval(timer);
      await busy;
      await release(pending).catch(() => undefined);
    },
  };
}

/** Waits until local mode accepts the bench account's orders (marks and reference prices written). */
export async function waitForAccept(url: string, accountId: string, redis: Redis, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const price = await markPrice(redis);
    const answer = await fetch(`${url}/v1/risk/validate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: orderBody(accountId, 0, price),
    });
    last = await answer.text();
    if (answer.status === 200 && (JSON.parse(last) as { decision: string }).decision === 'accept') return price;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`local mode never accepted the bench account's order: ${last}`);
}

/** The risk server's counters (support/server-stats.ts) since the last reset; `reset` starts a new window. */
export async function serverStats(url: string, reset: boolean): Promise<ServerStats> {
  const answer = await fetch(`${url}/__bench/stats${reset ? '?reset=1' : ''}`);
  if (answer.status !== 200) throw new Error(`risk server stats: HTTP ${answer.status}`);
  return (await answer.json()) as ServerStats;
}

/**
 * Extra figures of one risk phase from the server's counters over its measured window (not
 * part of any ratio): decide-script trips per request (mean, p50, p99) and how many of them
 * found the state moved, every Redis command per request, CPU per request, event-loop
 * delay and utilisation, GC time per second.
 */
export function statsFigures(prefix: string, stats: ServerStats): Record<string, number> {
  return {
    [`${prefix}_decide_trips_per_request`]: stats.decide_trips_per_decision,
    [`${prefix}_decide_trips_p50`]: stats.decide_trips_p50,
    [`${prefix}_decide_trips_p99`]: stats.decide_trips_p99,
    [`${prefix}_moved_per_request`]: stats.decide_moved_per_decision,
    [`${prefix}_decide_trip_ms`]: stats.decide_trip_ms_mean,
    [`${prefix}_redis_commands_per_request`]: stats.redis_commands_per_decision,
    [`${prefix}_cpu_us_per_request`]: Math.round(stats.cpu_us_per_decision),
    [`${prefix}_event_loop_delay_p99_ms`]: stats.event_loop_delay_p99_ms,
    [`${prefix}_event_loop_utilization`]: stats.event_loop_utilization,
    [`${prefix}_gc_ms_per_s`]: Math.round((stats.gc_ms / Math.max(stats.window_ms, 1)) * 1000 * 10) / 10,
  };
}

export default async function run(): Promise<Record<string, number>> {
  const dbName = await ensureBenchDatabase();
  const accountId = `bench-http-${Date.now()}`;
  const spread = Array.from({ length: 16 }, (_, i) => `${accountId}-${i}`);
  const redis = createRedisClient({ ...redisConfigFromUrl(redisUrl()), commandTimeoutMs: 5_000 });
  await redis.connect();
  const servers: ChildServer[] = [];
  let stopMarks = () => {};
  try {
    stopMarks = keepMarkFresh(redis);
    const floor = await startChildServer('test/bench/support/floor-server.ts', [redisUrl()], process.env);
    servers.push(floor);
    const api = await startChildServer(
      'test/bench/support/risk-server.ts',
      [[accountId, ...spread].join(',')],
      riskServerEnv(dbName),
    );
    servers.push(api);
    const price = await waitForAccept(api.url, accountId, redis);
    // After the risk server: its seed wrote the state epoch the store's read requires.
    const storeRead = await startChildServer(
      'test/bench/support/floor-server.ts',
      [redisUrl(), 'store-read', `${accountId}-floor`],
      process.env,
    );
    servers.push(storeRead);

    const figures: Record<string, number> = {};
    const put = (prefix: string, f: LoadFigures) => {
      figures[`${prefix}_p50_ms`] = f.p50_ms;
      figures[`${prefix}_p99_ms`] = f.p99_ms;
      figures[`${prefix}_p999_ms`] = f.p999_ms;
      figures[`${prefix}_rps`] = f.rps;
      figures[`${prefix}_requests`] = f.requests;
    };
    for (const concurrency of CONCURRENCY) {
      // Alternating floor and ours at each concurrency, so a burst of the shared machine's other load hits both alike.
      put(
        `floor_c${concurrency}`,
        await drive({
          url: floor.url,
          path: '/v1/risk/validate',
          concurrency,
          warmupMs: WARMUP_MS,
          durationMs: DURATION_MS,
          body: (n) => orderBody(accountId, n, price),
        }),
      );
      const releasing = startReleasing(redis, accountId);
      const decisions = { accept: 0, reject: 0, other: 0 };
      const risk = await drive({
        url: api.url,
        path: '/v1/risk/validate',
        concurrency,
        warmupMs: WARMUP_MS,
        durationMs: DURATION_MS,
        body: (n) => orderBody(accountId, n, price),
        onMeasureStart: () => void serverStats(api.url, true).catch(() => undefined),
        onAnswer: ({ status, text, measured }) => {
          const decided = status === 200 ? (JSON.parse(text) as { decision: string; order_id: string }) : null;
          if (decided?.decision === 'accept') releasing.accepted(decided.order_id);
          if (!measured) return;
          if (!decided) decisions.other++;
          else if (decided.decision === 'accept') decisions.accept++;
          else decisions.reject++;
        },
      });
      const stats = await serverStats(api.url, true);
      await releasing.stop();
      put(`risk_c${concurrency}`, risk);
      Object.assign(figures, statsFigures(`risk_c${concurrency}`, stats));
      // In no ratio: the floor's server doing our store's state read instead of one HGETALL.
      const read = await drive({
        url: storeRead.url,
        path: '/v1/risk/validate',
        concurrency,
        warmupMs: WARMUP_MS,
        durationMs: DURATION_MS,
        body: (n) => orderBody(accountId, n, price),
      });
      put(`store_read_c${concurrency}`, read);
      figures[`store_read_c${concurrency}_non_200`] = read.errors_5xx + read.failed;
      figures[`risk_c${concurrency}_accepts`] = decisions.accept;
      figures[`risk_c${concurrency}_rejects`] = decisions.reject;
      figures[`risk_c${concurrency}_non_200`] = decisions.other + risk.failed;
    }
    // Beside the ratio's figure (16 clients on ONE account, whose concurrent decisions race for
    // its book and retry in its queue): the same 16 clients spread over 16 accounts.
    const releasers = new Map(spread.map((id) => [id, startReleasing(redis, id)]));
    const decisions = { accept: 0, reject: 0, other: 0 };
    const risk = await drive({
      url: api.url,
      path: '/v1/risk/validate',
      concurrency: 16,
      warmupMs: WARMUP_MS,
      durationMs: DURATION_MS,
      body: (n) => orderBody(spread[n % spread.length] as string, n, price),
      onMeasureStart: () => void serverStats(api.url, true).catch(() => undefined),
      onAnswer: ({ status, text, measured }) => {
        const decided =
          status === 200 ? (JSON.parse(text) as { decision: string; order_id: string; account_id: string }) : null;
        if (decided?.decision === 'accept') releasers.get(decided.account_id)?.accepted(decided.order_id);
        if (!measured) return;
        if (!decided) decisions.other++;
        else if (decided.decision === 'accept') decisions.accept++;
        else decisions.reject++;
      },
    });
    const stats = await serverStats(api.url, true);
    for (const releaser of releasers.values()) await releaser.stop();
    put('risk_c16_16accounts', risk);
    Object.assign(figures, statsFigures('risk_c16_16accounts', stats));
    figures.risk_c16_16accounts_accepts = decisions.accept;
    figures.risk_c16_16accounts_rejects = decisions.reject;
    figures.risk_c16_16accounts_non_200 = decisions.other + risk.failed;
    return figures;
  } finally {
    stopMarks();
    for (const server of servers.reverse()) await server.stop();
    // The bench's decisions are not worth keeping in the shared Redis db.
    await redis
      .del(REDIS_KEYS.auditSpool, ...[accountId, ...spread].map((id) => REDIS_KEYS.accountBook(id)))
      .catch(() => undefined);
    redis.disconnect();
  }
}
