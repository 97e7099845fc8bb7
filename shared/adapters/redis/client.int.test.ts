import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { local, redisUrl } from '../../../test/local-env.js';
import { createRedisClient, redisConfigFromUrl } from './client.js';

describe('Redis adapter (real Redis)', () => {
  const redis = createRedisClient(redisConfigFromUrl(redisUrl()));

  afterAll(() => {
    redis.disconnect();
  });

  it('round-trips a value', async () => {
    await redis.connect();
    await redis.set('it:roundtrip', '65000.1', 'PX', 10_000);
    expect(await redis.get('it:roundtrip')).toBe('65000.1');
    expect(redis.options.db).toBe(local.testRedisDb);
  });

  it('fails within its timeout, instead of hanging, when Redis accepts but never answers', async () => {
    // A black hole: accepts TCP connections and never writes a byte, like a hung server.
    const sockets: net.Socket[] = [];
    const blackHole = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    const { port } = blackHole.address() as net.AddressInfo;
    const stuck = createRedisClient(
      { host: '127.0.0.1', port, tls: false, connectTimeoutMs: 200, commandTimeoutMs: 100 },
      { lazyConnect: false, enableReadyCheck: false },
    );
    const started = performance.now();
    try {
      await expect(stuck.get('anything')).rejects.toThrow();
      const elapsed = performance.now() - started;
      expect(elapsed).toBeLessThan(1_000);
    } finally {
      stuck.disconnect();
      for (const socket of sockets) socket.destroy();
      blackHole.close();
    }
  });

  it('fails at once when nothing listens', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as net.AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const closed = createRedisClient({ host: '127.0.0.1', port, tls: false }, { lazyConnect: false });
    try {
      await expect(closed.get('anything')).rejects.toThrow();
    } finally {
      closed.disconnect();
    }
  });
});
