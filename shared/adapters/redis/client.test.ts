import { describe, expect, it } from 'vitest';
import { createRedisClient, redisConfigFromUrl } from './client.js';

describe('Function: createRedisClient', () => {
  it('refuses plaintext to anything but a loopback host', () => {
    expect(() => createRedisClient({ host: 'cache.internal', port: 6380, tls: false })).toThrow(
      /plaintext Redis connection to cache\.internal/,
    );
  });

  it('turns TLS on with verification, the endpoint as server name, and fail-fast options', () => {
    const redis = createRedisClient({ host: 'master.cache.example', port: 6380, tls: true, password: 't' });
    try {
      expect(redis.options.tls).toMatchObject({ servername: 'master.cache.example', rejectUnauthorized: true });
      expect(redis.options).toMatchObject({
        connectTimeout: 500,
        commandTimeout: 250,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        lazyConnect: true,
      });
    } finally {
      redis.disconnect();
    }
  });
});

describe('Function: redisConfigFromUrl', () => {
  it('reads TLS from the scheme and the token from the URL', () => {
    expect(redisConfigFromUrl('rediss://:s%40cret@cache.example:6380/2')).toEqual({
      host: 'cache.example',
      port: 6380,
      tls: true,
      password: 's@cret',
      db: 2,
    });
    expect(redisConfigFromUrl('redis://127.0.0.1:6379').tls).toBe(false);
  });
});
