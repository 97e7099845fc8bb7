import type { Redis } from 'ioredis';
import {
  ACCOUNT_BOOK_FIELDS,
  compareAndSetAccountBook,
  deleteReservationOp,
} from '../../shared/adapters/redis/account-book-hash.js';
import { createRedisClient } from '../../shared/adapters/redis/client.js';
import { dec } from '../../shared/domain/decimal.js';
import { accountFixture, NOW_MS, orderFixture, stateFixture } from '../../shared/domain/risk/fixtures.js';
import { evaluateOrder } from '../../shared/domain/risk/rules.js';
import { REDIS_KEYS, TABLES } from '../../shared/names.js';
import { percentile, round3, sampleMicros, throughputPerSecond } from '../../test/bench-utils.js';
import { local, localStoreEnv } from '../../test/local-env.js';
import { proxyEvent, writeMark } from '../../test/risk-fixtures.js';

/**
 * risk.evaluate_*: the pure rules on one core, on a realistic state (three held
 * positions, a universe, fresh mark and reference).
 * risk.handler_p99_ms: the whole router in-process (JSON parse, schema, limits cache,
 * the rules) with the reservation in the path: TWO Redis round trips per decision, one Lua
 * script to load state (account book, balances and feed status included) and one Lua script
 * that checks the book version and writes decision + reservation + audit (+ expiries). With
 * AUDIT_MIN_REPLICA_ACKS > 0 the WAIT rides in the same pipelined write as the commit (no
 * extra round trip, it adds the replica's ack time). A book that moved adds one load and one
 * commit per re-decision (none here: requests are sequential, and each accepted order's
 * reservation is released between requests, outside the timer, as Kraken's cancel would). Against the real local
 * Redis and PostgreSQL. EMF metric output is off (POWERTOOLS_METRICS_DISABLED).
 */
export const group = 'risk';

export default async function run(): Promise<Record<string, number>> {
  const order = orderFixture();
  const account = accountFixture();
  const state = stateFixture({
    positions: new Map([
      ['BTC/USD', dec('0.4')],
      ['ETH/USD', dec('-3')],
      ['SOL/USD', dec('25')],
    ]),
    marks: new Map([
      ['BTC/USD', dec('65000')],
      ['ETH/USD', dec('3000')],
      ['SOL/USD', dec('150')],
    ]),
  });
  if (evaluateOrder(order, account, state, NOW_MS).decision !== 'accept')
    throw new Error('bench order must be accepted');

  const evaluate = () => evaluateOrder(order, account, state, NOW_MS);
  const micros = sampleMicros(evaluate, 200_000, 50_000);
  const perSecond = throughputPerSecond(evaluate, 3_000);

  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  const { createRiskApi } = await import('./app.js');
  const { riskApiConfigSchema } = await import('./config.js');
  const { createRouter } = await import('./router.js');
  const { seedPostgres, seedRedis } = await import('../../test/support/seed.js');
  const { establishStateEpoch } = await import('../../test/support/state-epoch.js');
  const config = riskApiConfigSchema.parse({
    ...localStoreEnv(),
  });
  const api = await createRiskApi(config);
  const redis = createRedisClient({ host: local.redisHost, port: local.redisPort, db: local.testRedisDb, tls: false });
  await redis.connect();
  try {
    await seedPostgres(api.adapters.pool);
    await seedRedis(redis);
    await establishStateEpoch(redis, api.adapters.pool);
    // An account of its own, with company's limits but a throttle the bench's rate cannot
    // reach: with the seed's 50 orders/s, most requests measured the ORDER_RATE_LIMIT reject.
    await api.adapters.pool.query(
      `INSERT INTO ${TABLES.accounts} (account_id, display_name, kind) VALUES ($1, 'Bench desk', 'company')`,
      [BENCH_ACCOUNT],
    );
    await api.adapters.pool.query(
      `INSERT INTO ${TABLES.accountLimits} (account_id, version, limits, created_by, reason) VALUES ($1, 1, $2, 'bench', 'bench')`,
      [BENCH_ACCOUNT, JSON.stringify({ nav: '5000000', max_orders_per_window: 1_000_000 })],
    );
    const route = createRouter(api.ports, 'local');
    // Start the handler phase from a clean heap: the rules phase above left ~200k samples.
    (globalThis as { gc?: () => void }).gc?.();
    const iterations = 20_000;
    // Steady state: the first ~1.5 s of requests still run partly unoptimised (V8 tiers up
    // the hot path) and are not what a warm, provisioned function serves.
    const warmup = 3_000;
    const handlerMs: number[] = [];
    let markWrittenAt = 0;
    for (let i = 0; i < iterations + warmup; i++) {
      // Keep the mark fresh (well inside its 1 s age limit). The audit spool is not drained while measuring: in AWS the
      // drainer runs in its own function, not between this function's requests on the same cores.
      if (Date.now() - markWrittenAt > 250) {
        markWrittenAt = Date.now();
        await writeMark(redis, 'BTC/USD', '64999.5', '65000.5', markWrittenAt, { mid: '65000' });
      }
      const body = JSON.stringify({
        ...JSON.parse(JSON.stringify(orderFixtureBody)),
        order_id: `bench-${Date.now()}-${i}`,
      });
      const started = performance.now();
      const result = await route(proxyEvent('POST', '/v1/risk/validate', body));
      const elapsed = performance.now() - started;
      if (result.statusCode !== 200) throw new Error(`unexpected ${result.statusCode}: ${result.body}`);
      // The figure is the accept path (reservation written): a reject would skip the commit's book check.
      const decided = JSON.parse(result.body) as { decision: string; order_id: string };
      if (decided.decision !== 'accept') throw new Error(`bench order ${i} was not accepted: ${result.body}`);
      if (i >= warmup) handlerMs.push(elapsed);
      // Outside the timer, play Kraken's part: the order is canceled at once, which releases its
      // reservation, so the book stays small and every decision sees the same headroom (else the
      // account reaches max_open_orders after 200 requests and the rest measures rejects).
      await releaseReservation(redis, decided.order_id);
    }
    // The bench's decisions are not worth keeping: drop them rather than fill the audit table.
    await redis.del(REDIS_KEYS.auditSpool);
    return {
      evaluate_p50_us: round3(percentile(micros, 50)),
      evaluate_p99_us: round3(percentile(micros, 99)),
      evaluate_per_s: Math.round(perSecond),
      handler_p50_ms: round3(percentile(handlerMs, 50)),
      handler_p99_ms: round3(percentile(handlerMs, 99)),
      handler_samples: handlerMs.length,
    };
  } finally {
    redis.disconnect();
    await api.close();
  }
}

/** Removes an accepted order's reservation through the book's compare-and-set, as the positions consumer does on a cancel. */
async function releaseReservation(redis: Redis, orderId: string): Promise<void> {
  const key = REDIS_KEYS.accountBook(BENCH_ACCOUNT);
  for (;;) {
    const version = Number((await redis.hget(key, ACCOUNT_BOOK_FIELDS.version)) ?? 0);
    if ((await compareAndSetAccountBook(redis, key, version, [deleteReservationOp(orderId)])).applied) return;
  }
}

/** One account per run, so a rerun never meets an earlier run's book or limits. */
const BENCH_ACCOUNT = `bench-${Date.now()}`;

const orderFixtureBody = {
  account_id: BENCH_ACCOUNT,
  symbol: 'BTC/USD',
  side: 'buy',
  type: 'limit',
  quantity: '0.01',
  limit_price: '65000',
  intent: 'open',
};
