import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRedisClient, redisConfigFromUrl } from '../../../shared/adapters/redis/client.js';
import { REDIS_KEYS } from '../../../shared/names.js';

/**
 * The HTTP floor of issue #16: the least any gate must spend per request on this machine.
 * A bare node:http server that reads the request body, does ONE Redis round trip (the state
 * read any gate needs: here the mark it would price the order at) and answers a fixed JSON
 * body. No schema, no rules, no audit. Run as its own process by http.bench.ts; prints its URL.
 *
 * With argv[3] = "store-read" and argv[4] an account id, the round trip is instead our
 * store's read of a decision's state (RedisRiskStateStore.load: the decide script in read
 * mode, the same keys, digest and throttle count, then its decode), still with no schema,
 * rules, audit or commit: a second reference (`http.store_read_*`, in no ratio) that splits
 * the gap between the floor and the risk API into the state read and the rest.
 */
const redis = createRedisClient({ ...redisConfigFromUrl(process.argv[2] ?? 'redis://127.0.0.1:6379/0') });
await redis.connect();
const key = REDIS_KEYS.mark('BTC/USD');
const roundTrip = await (async (): Promise<() => Promise<unknown>> => {
  if (process.argv[3] !== 'store-read') return () => redis.hgetall(key);
  const accountId = process.argv[4];
  if (!accountId) throw new Error('usage: floor-server.ts <redis url> store-read <account id>');
  const { RedisRiskStateStore } = await import('../../../functions/risk-api/adapters/redis-risk-state.js');
  // No kept copies: every request reads, as a decision without a copy does.
  const store = new RedisRiskStateStore(redis, { snapshotEntries: 0 });
  return () =>
    store.load({
      accountId,
      symbol: 'BTC/USD',
      orderId: `floor-${randomUUID()}`,
      nowMs: Date.now(),
      rateWindowMs: 1_000,
      rateMember: randomUUID(),
      maxOrdersPerWindow: 1_000_000,
    });
})();
const body = JSON.stringify({ decision: 'accept', reasons: [] });
const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    roundTrip().then(
      () => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      },
      () => {
        res.writeHead(503).end();
      },
    );
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  console.log(`floor listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
process.on('SIGTERM', () => {
  server.close();
  redis.disconnect();
  process.exit(0);
});
