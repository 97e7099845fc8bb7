import type { Redis } from 'ioredis';
import {
  ACCOUNT_BOOK_FIELDS,
  compareAndSetAccountBook,
  deleteReservationOp,
} from '../../shared/adapters/redis/account-book-hash.js';
import { createRedisClient } from '../../shared/adapters/redis/client.js';
import { encodeMarkVerified } from '../../shared/adapters/redis/mark-hash.js';
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
 * risk.handler_*: the whole router in-process (JSON parse, schema, limits cache, the rules)
 * with the reservation in the path, against the real local Redis and PostgreSQL. A decision
 * is ONE Lua script (riskDecide): it reads the state (account book, balances and feed status
 * included), checks it is the very state the decision was made on, and writes decision +
 * reservation + audit (+ expiries), returning the state after it. The store keeps that state
 * per account and symbol, so the account's next decision is made on it and costs ONE Redis
 * round trip; when anything that can change the answer moved in between (here: the book, by
 * the release below, or the mark's price) the script answers the new state and the decision
 * costs a second trip. With AUDIT_MIN_REPLICA_ACKS > 0 the WAIT rides in the same pipelined
 * write (no extra round trip; it adds the replica's ack time).
 *
 * The mark is kept as the ingester keeps it: every 250 ms its unchanged quote is re-verified
 * (`verified_ts_ms` alone, as the ingester's touch writes it), which the script checks against
 * the mark's max age instead of digesting it, so it costs no trip; every 5 s the quote itself
 * moves (a new bid/ask, received then), which sends the next decision to its second trip.
 * Both happen outside the timer, between requests.
 *
 * Round trips are counted, not assumed: every socket write of the store's connection during
 * a request is one (ioredis writes a command, or a whole pipeline, in one write and waits).
 * - handler_*: Kraken's part (a cancel releasing the reservation, outside the timer) is played
 *   after every 20th request, releasing the 20: one decision in 20 finds the book moved, and
 *   one after each price move (handler_price_moves) the mark moved.
 *   handler_round_trips_mean is the figure the Done-when of issue #12 asks for.
 * - moved_book_handler_*: the release after EVERY request (the bench's method before the
 *   single-trip change): every decision finds the book moved, so it takes two trips, as
 *   every decision did before.
 * - paced_round_trips_*: 100 requests, one every 300 ms (releases every 20 as handler_*): each
 *   decision finds the mark re-verified at least once since the previous one, as a strategy
 *   sending a few orders a second does (at 2,000 requests/s above, a re-verification falls
 *   between two decisions once in ~500). Trips only: 100 samples make no latency figure.
 * EMF metric output is off (POWERTOOLS_METRICS_DISABLED).
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
  // The bench's own connection plays the ingester and Kraken, outside the timer: on this shared
  // VM under load a command can outlast the client's 250 ms default, which failed whole runs.
  const redis = createRedisClient({
    host: local.redisHost,
    port: local.redisPort,
    db: local.testRedisDb,
    tls: false,
    commandTimeoutMs: 5_000,
  });
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
    const redisWrites = countWrites(api.adapters.redis);
    const quotes = [
      ['64999.5', '65000.5'],
      ['64999.6', '65000.4'],
    ] as const;
    let quoteIndex = 0;
    let quotedAt = 0;
    let verifiedAt = 0;
    /** The ingester's part, between requests: re-verify every 250 ms, move the quote every 5 s. */
    const keepMark = async (): Promise<boolean> => {
      const now = Date.now();
      if (now - quotedAt >= PRICE_MOVE_EVERY_MS) {
        quotedAt = now;
        verifiedAt = now;
        quoteIndex = (quoteIndex + 1) % quotes.length;
        const [bid, ask] = quotes[quoteIndex] ?? quotes[0];
        await writeMark(redis, 'BTC/USD', bid, ask, now, { mid: '65000', verifiedTsMs: now });
        return true;
      }
      if (now - verifiedAt >= VERIFY_EVERY_MS) {
        verifiedAt = now;
        await redis.hset(REDIS_KEYS.mark('BTC/USD'), encodeMarkVerified(now));
      }
      return false;
    };
    /**
     * Runs `iterations` timed requests after `warmup` untimed ones; Kraken releases every
     * `releaseEvery`; with `paceMs`, one request starts every `paceMs` at most.
     */
    const phase = async (iterations: number, warmup: number, releaseEvery: number, paceMs = 0) => {
      const handlerMs: number[] = [];
      const trips: number[] = [];
      let unavailableCount = 0;
      let priceMoves = 0;
      let unreleased: string[] = [];
      let previousStart = 0;
      for (let i = 0; i < iterations + warmup; i++) {
        const wait = previousStart + paceMs - Date.now();
        if (paceMs > 0 && wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        previousStart = Date.now();
        // Keep the mark fresh (well inside its 1 s age limit). The audit spool is not drained while measuring: in AWS the
        // drainer runs in its own function, not between this function's requests on the same cores.
        if ((await keepMark()) && i >= warmup) priceMoves++;
        const body = JSON.stringify({
          ...JSON.parse(JSON.stringify(orderFixtureBody)),
          order_id: `bench-${Date.now()}-${i}`,
        });
        const writesBefore = redisWrites.count();
        const started = performance.now();
        const result = await route(proxyEvent('POST', '/v1/risk/validate', body));
        const elapsed = performance.now() - started;
        const roundTrips = redisWrites.count() - writesBefore;
        if (result.statusCode !== 200) throw new Error(`unexpected ${result.statusCode}: ${result.body}`);
        // The figure is the accept path (reservation written). On this shared 2-core VM a Redis
        // command now and then outlasts REDIS_COMMAND_TIMEOUT_MS: that decision is a fail-closed
        // reject, counted (handler_unavailable) and kept in the figures; any other reject is a bug.
        const decided = JSON.parse(result.body) as { decision: string; order_id: string; reasons: { code: string }[] };
        const unavailable = decided.reasons.every((r) => r.code === 'RISK_STATE_UNAVAILABLE');
        if (decided.decision !== 'accept' && !unavailable) {
          throw new Error(`bench order ${i} was not accepted: ${result.body}`);
        }
        if (i >= warmup) {
          handlerMs.push(elapsed);
          trips.push(roundTrips);
          if (decided.decision !== 'accept') unavailableCount++;
        }
        // Outside the timer, play Kraken's part: the orders are canceled, which releases their
        // reservations, so the book stays small and every decision sees about the same headroom
        // (else the account reaches max_open_orders after 200 requests and the rest measures rejects).
        if (decided.decision === 'accept') unreleased.push(decided.order_id);
        if (unreleased.length >= releaseEvery) {
          await releaseReservations(redis, unreleased);
          unreleased = [];
        }
      }
      await releaseReservations(redis, unreleased);
      return {
        p50: round3(percentile(handlerMs, 50)),
        p99: round3(percentile(handlerMs, 99)),
        samples: handlerMs.length,
        tripsMean: round3(trips.reduce((a, b) => a + b, 0) / trips.length),
        tripsP50: percentile(trips, 50),
        tripsMax: Math.max(...trips),
        unavailable: unavailableCount,
        priceMoves,
      };
    };
    // Steady state: the first ~1.5 s of requests still run partly unoptimised (V8 tiers up
    // the hot path) and are not what a warm, provisioned function serves.
    const copied = await phase(20_000, 3_000, 20);
    const moved = await phase(5_000, 500, 1);
    const paced = await phase(PACED_SAMPLES, 10, 20, PACE_MS);
    // The bench's decisions are not worth keeping: drop them rather than fill the audit table.
    await redis.del(REDIS_KEYS.auditSpool);
    return {
      evaluate_p50_us: round3(percentile(micros, 50)),
      evaluate_p99_us: round3(percentile(micros, 99)),
      evaluate_per_s: Math.round(perSecond),
      handler_p50_ms: copied.p50,
      handler_p99_ms: copied.p99,
      handler_samples: copied.samples,
      handler_round_trips_mean: copied.tripsMean,
      handler_round_trips_p50: copied.tripsP50,
      handler_round_trips_max: copied.tripsMax,
      handler_unavailable: copied.unavailable,
      handler_price_moves: copied.priceMoves,
      moved_book_handler_p50_ms: moved.p50,
      moved_book_handler_p99_ms: moved.p99,
      moved_book_round_trips_mean: moved.tripsMean,
      moved_book_unavailable: moved.unavailable,
      paced_samples: paced.samples,
      paced_round_trips_mean: paced.tripsMean,
      paced_round_trips_p50: paced.tripsP50,
      paced_round_trips_max: paced.tripsMax,
      paced_price_moves: paced.priceMoves,
    };
  } finally {
    redis.disconnect();
    await api.close();
  }
}

/** Removes accepted orders' reservations through the book's compare-and-set, as the positions consumer does on a cancel. */
async function releaseReservations(redis: Redis, orderIds: readonly string[]): Promise<void> {
  if (orderIds.length === 0) return;
  const key = REDIS_KEYS.accountBook(BENCH_ACCOUNT);
  for (;;) {
    const version = Number((await redis.hget(key, ACCOUNT_BOOK_FIELDS.version)) ?? 0);
    const ops = orderIds.map((id) => deleteReservationOp(id));
    if ((await compareAndSetAccountBook(redis, key, version, ops)).applied) return;
  }
}

/** Counts the socket writes of one connection: ioredis writes a command or a whole pipeline at once, then waits. */
function countWrites(redis: Redis): { count(): number } {
  const socket = redis.stream;
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  let writes = 0;
  (socket as { write: (...args: unknown[]) => boolean }).write = (...args: unknown[]) => {
    writes++;
    return write(...args);
  };
  return { count: () => writes };
}

/** How often the bench's ingester re-verifies the unchanged quote (the ingester: at most every 200 ms). */
const VERIFY_EVERY_MS = 250;
/** How often the bench's quote moves: occasionally, against the re-verifications' 250 ms. */
const PRICE_MOVE_EVERY_MS = 5_000;

/**
 * The paced phase: one request every 300 ms, longer than the re-verification interval, so a
 * re-verification always lands between two decisions of the account (a strategy sending a
 * few orders a second, not a burst).
 */
const PACE_MS = 300;
const PACED_SAMPLES = 100;

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
