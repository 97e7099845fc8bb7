import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { DeleteSecretCommand } from '@aws-sdk/client-secrets-manager';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKinesisClient, createSecretsManagerClient } from '../../shared/adapters/aws-clients.js';
import { KrakenKeyStore } from '../../shared/adapters/kraken-keys.js';
import { KrakenRestClient } from '../../shared/adapters/kraken-rest.js';
import { decodeAccountFeed } from '../../shared/adapters/redis/account-feed-hash.js';
import { createRedisClient, redisConfigFromUrl } from '../../shared/adapters/redis/client.js';
import { encodeStoredDecision } from '../../shared/adapters/redis/order-decision.js';
import { executionRecordSchema, isOrderEvent } from '../../shared/domain/executions/events.js';
import { REDIS_KEYS } from '../../shared/names.js';
import { FakeKrakenVenue } from '../../test/fakes/kraken-private/venue.js';
import { type FakeKrakenPrivateServer, startFakeKrakenPrivate } from '../../test/fakes/kraken-private/ws-server.js';
import { FakeKrakenRest } from '../../test/fakes/kraken-rest/server.js';
import { createStream, deleteStream, readStream } from '../../test/kinesis-local.js';
import { local, redisUrl } from '../../test/local-env.js';
import { bundleAccountFeed } from './bundle.js';

/**
 * The container's bundle (what the Dockerfile builds) run as ECS runs it: node on main.mjs
 * with only environment variables, a Kraken key stored in Secrets Manager the way an operator
 * stores it, the fake Kraken private side, kinesis-local and Redis. The health check script
 * passes once it serves, an order placed on Kraken reaches `executions`, and SIGTERM stops it
 * cleanly with the account failed closed.
 */
const execFileAsync = promisify(execFile);
const accountId = `bundle-${randomUUID().slice(0, 8)}`;
const streamName = `it-acctfeed-bundle-${randomUUID().slice(0, 8)}`;

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('Bundle: account feed container entry point', () => {
  const kinesis = createKinesisClient();
  const secrets = createSecretsManagerClient();
  const keyStore = new KrakenKeyStore(secrets, 'local');
  const venue = new FakeKrakenVenue();
  const rest = new FakeKrakenRest(venue);
  let ws: FakeKrakenPrivateServer;
  let redis: Redis;
  let bundleDir: string;
  let credentials: { apiKey: string; apiSecret: string };

  beforeAll(async () => {
    bundleDir = await mkdtemp(path.join(os.tmpdir(), 'account-feed-bundle-'));
    await bundleAccountFeed(bundleDir);
    await rest.start();
    ws = await startFakeKrakenPrivate(venue, { heartbeatIntervalMs: 200 });
    await createStream(kinesis, streamName);
    redis = createRedisClient({ ...redisConfigFromUrl(redisUrl()), commandTimeoutMs: 2_000 });
    await redis.connect();
    credentials = rest.addKey(0);
    await keyStore.store(accountId, credentials);
  }, 60_000);

  afterAll(async () => {
    await secrets
      .send(new DeleteSecretCommand({ SecretId: keyStore.secretName(accountId), ForceDeleteWithoutRecovery: true }))
      .catch(() => undefined);
    await ws?.close();
    await rest.stop();
    venue.dispose();
    await deleteStream(kinesis, streamName);
    await redis?.del(REDIS_KEYS.accountFeed(accountId));
    redis?.disconnect();
    await rm(bundleDir, { recursive: true, force: true });
    kinesis.destroy();
    secrets.destroy();
  });

  it('serves the stored key, passes its health check, publishes an order, and stops on SIGTERM failed closed', async () => {
    // Prepare
    const child = spawn(process.execPath, [path.join(bundleDir, 'main.mjs')], {
      cwd: local.root,
      env: {
        ...process.env,
        STAGE: 'local',
        EXECUTIONS_STREAM: streamName,
        REDIS_URL: redisUrl(),
        KRAKEN_REST_URL: rest.url,
        KRAKEN_WS_AUTH_URL: ws.url,
        // Nothing answers there: no switch is armed in this test, and the probe fails closed.
        RISK_API_URL: 'http://127.0.0.1:9',
        RISK_API_SIGV4: 'false',
        KEY_REFRESH_MS: '1000',
        HEALTH_PORT: '0',
        POWERTOOLS_METRICS_DISABLED: 'true',
        POWERTOOLS_DEV: 'false',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const lines: string[] = [];
    child.stdout.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n')));
    child.stderr.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n')));
    try {
      const started = await waitFor('the feed started', () =>
        lines.find((l) => l.includes('"message":"account feed started"')),
      );
      const healthPort = String((JSON.parse(started) as { healthPort: number }).healthPort);
      await waitFor('the account live', async () => {
        const status = decodeAccountFeed(await redis.hgetall(REDIS_KEYS.accountFeed(accountId)));
        return status?.state === 'live' ? true : undefined;
      });

      // Act: the container health check, then an order the gate accepted placed on Kraken.
      const check = await execFileAsync(process.execPath, [path.join(bundleDir, 'healthcheck.mjs')], {
        env: { ...process.env, HEALTH_PORT: healthPort },
      }).then(
        () => 0,
        (error: { code?: number }) => error.code ?? -1,
      );
      await redis.set(
        REDIS_KEYS.orderId(accountId, 'bundle-order-1'),
        encodeStoredDecision({ requestHash: 'h', response: { decision: 'accept' } }),
        'PX',
        60_000,
      );
      await new KrakenRestClient(rest.url).privateCall(
        'AddOrder',
        {
          pair: 'BTC/USD',
          type: 'buy',
          ordertype: 'limit',
          volume: '0.01',
          price: '60000.0',
          cl_ord_id: 'bundle-order-1',
        },
        credentials,
      );
      const acknowledged = await waitFor('the order on executions', async () =>
        (await readStream<unknown>(kinesis, streamName))
          .filter((r) => r.key === accountId)
          .map((r) => executionRecordSchema.parse(r.data))
          .filter(isOrderEvent)
          .find((e) => e.cl_ord_id === 'bundle-order-1'),
      );
      child.kill('SIGTERM');
      const code = await exited;

      // Assess
      expect(check).toBe(0);
      expect(acknowledged).toMatchObject({ type: 'acknowledged', account_id: accountId, symbol: 'BTC/USD' });
      expect(code, lines.join('\n')).toBe(0);
      const after = decodeAccountFeed(await redis.hgetall(REDIS_KEYS.accountFeed(accountId)));
      expect(after?.state).toBe('failed_closed');
      expect(lines.join('\n')).not.toContain(credentials.apiSecret);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 60_000);

  it('fails its health check when nothing answers on the health port', async () => {
    // Act
    const code = await execFileAsync(process.execPath, [path.join(bundleDir, 'healthcheck.mjs')], {
      env: { ...process.env, HEALTH_PORT: '9' },
    }).then(
      () => 0,
      (error: { code?: number }) => error.code ?? -1,
    );

    // Assess
    expect(code).toBe(1);
  });
});
