import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRedisClient, redisConfigFromUrl } from '../../../shared/adapters/redis/client.js';
import { REDIS_KEYS } from '../../../shared/names.js';

/**
 * The HTTP floor of issue #16: the least any gate must spend per request on this machine.
 * A bare node:http server that reads the request body, does ONE Redis round trip (the state
 * read any gate needs: here the mark it would price the order at) and answers a fixed JSON
 * body. No schema, no rules, no audit. Run as its own process by http.bench.ts; prints its URL.
 */
const redis = createRedisClient({ ...redisConfigFromUrl(process.argv[2] ?? 'redis://127.0.0.1:6379/0') });
await redis.connect();
const key = REDIS_KEYS.mark('BTC/USD');
const body = JSON.stringify({ decision: 'accept', reasons: [] });
const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    redis.hgetall(key).then(
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
