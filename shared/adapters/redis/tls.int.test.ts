import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTestCertificates, type TestCertificates } from '../../../test/tls-certs.js';
import { createSecretsManagerClient } from '../aws-clients.js';
import { SecretReader } from '../secrets.js';
import { createRedisClient, elastiCacheConnectionConfig, type RedisConnectionConfig } from './client.js';

/**
 * A second, real redis-server started by this file: TLS only (`--port 0 --tls-port N`), a
 * certificate from a CA generated for this run, and an AUTH token, which is how
 * ElastiCache is configured (transit encryption required + AUTH). Stopped by its pid.
 */
const AUTH_TOKEN = 'it-auth-token-0123456789abcdef';

let certs: TestCertificates;
let server: ChildProcess;
let port: number;

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port: free } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return free;
}

async function waitForPort(target: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port: target });
      socket.once('connect', () => resolve(true));
      socket.once('error', () => resolve(false));
    }).catch(() => false);
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`TLS redis-server did not open port ${target} within ${timeoutMs} ms`);
}

beforeAll(async () => {
  certs = generateTestCertificates();
  port = await freePort();
  server = spawn(
    'redis-server',
    [
      '--port',
      '0',
      '--tls-port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--tls-cert-file',
      certs.certFile,
      '--tls-key-file',
      certs.keyFile,
      '--tls-ca-cert-file',
      certs.caFile,
      '--tls-auth-clients',
      'no',
      '--requirepass',
      AUTH_TOKEN,
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      certs.dir,
    ],
    { stdio: 'ignore' },
  );
  await waitForPort(port, 10_000);
});

afterAll(() => {
  if (server.pid) process.kill(server.pid, 'SIGKILL');
  certs.cleanup();
});

/** Collects the client's 'error' events: ioredis 6 rejects connect() with a generic "Connection is closed." and reports the cause there. */
function errorsOf(redis: Redis): string[] {
  const messages: string[] = [];
  redis.on('error', (error: Error) => messages.push(error.message));
  return messages;
}

function config(overrides: Partial<RedisConnectionConfig> = {}): RedisConnectionConfig {
  return { host: '127.0.0.1', port, tls: true, ca: certs.caPem, password: AUTH_TOKEN, ...overrides };
}

describe('Redis adapter over TLS (real redis-server, TLS only, AUTH token)', () => {
  it('round-trips a value over TLS with the CA pinned and the token', async () => {
    const redis = createRedisClient(config());
    try {
      await redis.connect();
      await redis.set('it:tls', '65000.1', 'PX', 10_000);
      expect(await redis.get('it:tls')).toBe('65000.1');
    } finally {
      redis.disconnect();
    }
  });

  it('verifies the server by name too: a certificate for localhost is accepted as localhost', async () => {
    const redis = createRedisClient(config({ host: 'localhost' }));
    try {
      await redis.connect();
      expect(await redis.ping()).toBe('PONG');
    } finally {
      redis.disconnect();
    }
  });

  it('refuses a server whose certificate another CA signed', async () => {
    const redis = createRedisClient(config({ ca: certs.otherCaPem }));
    const errors = errorsOf(redis);
    try {
      await expect(redis.connect()).rejects.toThrow();
      expect(errors[0]).toMatch(/self[- ]signed|unable to (verify|get)|certificate/i);
    } finally {
      redis.disconnect();
    }
  });

  it('is refused without the AUTH token, and with a wrong one', async () => {
    const anonymous = createRedisClient(config({ password: undefined }));
    const wrong = createRedisClient(config({ password: 'not-the-token-0123456789' }));
    const anonymousErrors = errorsOf(anonymous);
    const wrongErrors = errorsOf(wrong);
    try {
      await expect(anonymous.connect()).rejects.toThrow();
      expect(anonymousErrors[0]).toMatch(/NOAUTH/);
      await expect(wrong.connect()).rejects.toThrow();
      expect(wrongErrors[0]).toMatch(/WRONGPASS|invalid username-password/i);
    } finally {
      anonymous.disconnect();
      wrong.disconnect();
    }
  });

  it('gets no plaintext session from a TLS-only server, and fails within its timeout', async () => {
    const plain = createRedisClient(config({ tls: false, connectTimeoutMs: 300, commandTimeoutMs: 200 }));
    errorsOf(plain);
    const started = performance.now();
    try {
      await expect(plain.connect()).rejects.toThrow();
      expect(plain.status).not.toBe('ready');
      await expect(plain.get('it:tls')).rejects.toThrow();
      expect(performance.now() - started).toBeLessThan(1_000);
    } finally {
      plain.disconnect();
    }
  });

  it('fails within its connect timeout when a TLS server accepts TCP but never completes the handshake', async () => {
    const sockets: net.Socket[] = [];
    const blackHole = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    const stuck = createRedisClient(
      config({ port: (blackHole.address() as net.AddressInfo).port, connectTimeoutMs: 300, commandTimeoutMs: 200 }),
    );
    const errors = errorsOf(stuck);
    const started = performance.now();
    try {
      await expect(stuck.connect()).rejects.toThrow();
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(errors[0]).toMatch(/ETIMEDOUT/);
    } finally {
      stuck.disconnect();
      for (const socket of sockets) socket.destroy();
      blackHole.close();
    }
  });

  it('builds the ElastiCache config from the token in Secrets Manager and connects with it', async () => {
    const name = `it/redis-auth/${Date.now()}`;
    await createSecretsManagerClient().send(new CreateSecretCommand({ Name: name, SecretString: AUTH_TOKEN }));
    const built = await elastiCacheConnectionConfig({
      host: '127.0.0.1',
      port,
      authSecretId: name,
      secrets: new SecretReader(60),
      ca: certs.caPem,
    });
    expect(built.tls).toBe(true);
    const redis = createRedisClient(built);
    try {
      await redis.connect();
      expect(await redis.ping()).toBe('PONG');
    } finally {
      redis.disconnect();
    }
  });
});
