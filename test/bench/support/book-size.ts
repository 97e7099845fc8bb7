import { randomUUID } from 'node:crypto';
import { RedisRiskStateStore } from '../../../functions/risk-api/adapters/redis-risk-state.js';
import { compareAndSetAccountBook, setReservationOp } from '../../../shared/adapters/redis/account-book-hash.js';
import { createRedisClient, redisConfigFromUrl } from '../../../shared/adapters/redis/client.js';
import { Decimal } from '../../../shared/domain/decimal.js';
import { REDIS_KEYS } from '../../../shared/names.js';
import { redisUrl } from '../../local-env.js';

/**
 * What an account's book costs a decision's state read (issue #16): for books of 0 to 300
 * pending reservations, the p50 of `RedisRiskStateStore.load` (the decide script in read
 * mode and its decode) over 400 sequential reads, and Redis's own `evalsha` time per call
 * over the same span (INFO commandstats: every client's scripts, so only a rough figure on a
 * shared Redis). `TEST_REDIS_DB=<n> npx tsx test/bench/support/book-size.ts`; needs the state
 * epoch a risk server's seed writes in that db (run the HTTP bench once first). Its accounts'
 * books are deleted at the end.
 */
const redis = createRedisClient({ ...redisConfigFromUrl(redisUrl()), commandTimeoutMs: 5_000 });
await redis.connect();
const store = new RedisRiskStateStore(redis, { snapshotEntries: 0 });
const evalsha = async () => {
  const m = /cmdstat_evalsha:calls=(\d+),usec=(\d+)/.exec(await redis.info('commandstats'));
  return { calls: Number(m?.[1] ?? 0), usec: Number(m?.[2] ?? 0) };
};
const keys: string[] = [];
try {
  for (const entries of [0, 10, 30, 100, 300]) {
    const accountId = `bench-book-${entries}-${Date.now()}`;
    const key = REDIS_KEYS.accountBook(accountId);
    keys.push(key);
    const now = Date.now();
    const price = Decimal.parse('65000');
    const ops = Array.from({ length: entries }, () =>
      setReservationOp({
        accountId,
        orderId: `o-${randomUUID()}`,
        decisionId: randomUUID(),
        symbol: 'BTC/USD',
        side: 'buy',
        type: 'limit',
        qty: Decimal.parse('0.01'),
        limitPrice: price,
        worstPrice: price,
        reduceOnly: false,
        createdAtMs: now,
        expiresAtMs: now + 3_600_000,
      }),
    );
    if (entries > 0 && !(await compareAndSetAccountBook(redis, key, 0, ops)).applied) {
      throw new Error(`could not write the book of ${accountId}`);
    }
    const read = () =>
      store.load({
        accountId,
        symbol: 'BTC/USD',
        orderId: `x-${randomUUID()}`,
        nowMs: Date.now(),
        rateWindowMs: 1_000,
        rateMember: randomUUID(),
        maxOrdersPerWindow: 1_000_000,
      });
    for (let i = 0; i < 50; i++) await read();
    const before = await evalsha();
    const times: number[] = [];
    for (let i = 0; i < 400; i++) {
      const t = performance.now();
      await read();
      times.push(performance.now() - t);
    }
    const after = await evalsha();
    times.sort((a, b) => a - b);
    console.log(
      JSON.stringify({
        book_entries: entries,
        load_p50_ms: Math.round((times[200] ?? 0) * 1000) / 1000,
        evalsha_us_per_call_all_clients: Math.round(
          (after.usec - before.usec) / Math.max(1, after.calls - before.calls),
        ),
      }),
    );
  }
} finally {
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
}
