import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createKinesisClient } from '../../shared/adapters/aws-clients.js';
import { createRedisClient, redisConfigFromUrl } from '../../shared/adapters/redis/client.js';
import { decodeFeedStatus } from '../../shared/adapters/redis/feed-status-hash.js';
import { Decimal } from '../../shared/domain/decimal.js';
import type { MarketEvent } from '../../shared/domain/market/events.js';
import { REDIS_KEYS } from '../../shared/names.js';
import { type FakeKrakenServer, startFakeKrakenServer } from '../../test/fakes/kraken-ws/server.js';
import { createStream, deleteStream, readStream } from '../../test/kinesis-local.js';
import { local, redisUrl } from '../../test/local-env.js';
import { bundleIngester } from './bundle.js';
import { type IngesterSettings, type RunningIngester, startIngester } from './ingester.js';
import { waitFor } from './test-support/doubles.js';

// Symbols no other test uses: this file shares the Redis test db with the others.
const tag = randomUUID()
  .replace(/[^a-f]/g, '')
  .slice(0, 4)
  .toUpperCase()
  .padEnd(4, 'Q');
const SYMBOLS = [`ZQ${tag}/USD`, `ZX${tag}/USD`];
const streamName = `it-ingest-${randomUUID().slice(0, 8)}`;
const execFileAsync = promisify(execFile);
/** Each SIGTERM run's own pair (and fake): its events are told apart by symbol. */
const TERM_SYMBOL_PREFIX = `ZT${tag}`;
let runs = 0;
let bundleDir: string;

let kinesis: KinesisClient;
let redis: Redis;
let fake: FakeKrakenServer;
let previousFeedStatus: Record<string, string>;

function settings(overrides: Partial<IngesterSettings> = {}): IngesterSettings {
  return {
    KRAKEN_WS_URL: fake.url,
    KRAKEN_SYMBOLS: SYMBOLS,
    BOOK_DEPTH: 10,
    MARKET_EVENTS_STREAM: streamName,
    REDIS_URL: redisUrl(),
    SILENCE_TIMEOUT_MS: 2_000,
    PING_INTERVAL_MS: 1_000,
    RECONNECT_BASE_MS: 100,
    RECONNECT_CAP_MS: 1_000,
    CONNECT_ATTEMPTS_PER_10_MIN: 120,
    KINESIS_LINGER_MS: 20,
    KINESIS_BUFFER_MAX_RECORDS: 100_000,
    HEALTH_PORT: 0,
    METRICS_INTERVAL_MS: 60_000,
    SHUTDOWN_FLUSH_TIMEOUT_MS: 10_000,
    ...overrides,
  };
}

beforeAll(async () => {
  kinesis = createKinesisClient();
  await createStream(kinesis, streamName, 2);
  redis = createRedisClient({ ...redisConfigFromUrl(redisUrl()), commandTimeoutMs: 2_000 });
  await redis.connect();
  previousFeedStatus = await redis.hgetall(REDIS_KEYS.feedStatus);
  fake = await startFakeKrakenServer({ seed: 11, symbols: SYMBOLS, updatesPerSecond: 100 });
  bundleDir = await mkdtemp(path.join(os.tmpdir(), 'ingester-bundle-'));
  await bundleIngester(bundleDir);
});

afterAll(async () => {
  await fake?.close();
  await redis.del(
    ...[...SYMBOLS, ...Array.from({ length: runs }, (_, i) => `${TERM_SYMBOL_PREFIX}${i}/USD`)].map((s) =>
      REDIS_KEYS.mark(s),
    ),
    REDIS_KEYS.feedStatus,
  );
  await rm(bundleDir, { recursive: true, force: true });
  if (Object.keys(previousFeedStatus).length > 0) await redis.hset(REDIS_KEYS.feedStatus, previousFeedStatus);
  redis.disconnect();
  await deleteStream(kinesis, streamName);
  kinesis.destroy();
});

describe('Market ingester against the fake Kraken, Redis and kinesis-local', () => {
  let ingester: RunningIngester;

  it('writes marks with exchange and receive timestamps to Redis and reports ready', async () => {
    ingester = await startIngester(settings(), { emitMetrics: false });
    await waitFor(() => ingester.readiness().ready, 'readiness', 10_000);
    const ready = await fetch(`http://127.0.0.1:${ingester.healthPort}/ready`);
    expect(ready.status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${ingester.healthPort}/healthz`)).status).toBe(200);

    const before = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const symbol of SYMBOLS) {
      const mark = await redis.hgetall(REDIS_KEYS.mark(symbol));
      expect(mark).toMatchObject({ symbol, status: 'live' });
      const bid = Decimal.parse(mark.bid!);
      const ask = Decimal.parse(mark.ask!);
      expect(bid.lt(ask)).toBe(true);
      expect(Decimal.parse(mark.mid!).eq(bid.add(ask).div(Decimal.fromInteger(2)))).toBe(true);
      const receive = Number(mark.receive_ts_ms);
      const exchange = Number(mark.exchange_ts_ms);
      expect(receive).toBeGreaterThan(before - 5_000);
      expect(receive).toBeLessThanOrEqual(Date.now());
      expect(Math.abs(receive - exchange)).toBeLessThan(1_000);
      expect(Number(mark.verified_ts_ms)).toBeGreaterThanOrEqual(receive);
    }
    await waitFor(() => ingester.feedStatus().status === 'live', 'feed live');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(decodeFeedStatus(await redis.hgetall(REDIS_KEYS.feedStatus))?.status).toBe('live');
  });

  it('marks data stale in Redis when the connection drops, live again after fresh snapshots', async () => {
    // Refuse reconnects until the stale state has been checked, then let them through.
    fake.faults.refuseConnections(1_000_000);
    fake.faults.dropConnections();
    await waitFor(() => ingester.feedStatus().status === 'stale', 'feed stale');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await redis.hget(REDIS_KEYS.mark(SYMBOLS[0]!), 'status')).toBe('stale');
    expect(decodeFeedStatus(await redis.hgetall(REDIS_KEYS.feedStatus))?.status).toBe('stale');
    expect((await fetch(`http://127.0.0.1:${ingester.healthPort}/ready`)).status).toBe(503);
    fake.faults.refuseConnections(0);

    await waitFor(() => ingester.readiness().ready, 'ready again', 10_000);
    await waitFor(() => ingester.feedStatus().status === 'live', 'feed live');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await redis.hget(REDIS_KEYS.mark(SYMBOLS[0]!), 'status')).toBe('live');
    await ingester.stop();
    expect(ingester.batcher.buffered()).toBe(0);
  });

  // The same process twice: from source under tsx, and as the container runs it (the
  // esbuild bundle the Dockerfile builds, Kinesis worker thread included).
  it.each([
    [
      'from source',
      (entry: string) => ['--import', 'tsx', path.join(local.root, `functions/market-ingester/${entry}.ts`)],
    ],
    ['as the container bundle', (entry: string) => [path.join(bundleDir, `${entry}.mjs`)]],
  ])(
    'SIGTERM flushes every buffered event (%s): events counted in equal events read back from Kinesis',
    async (_name, args) => {
      const termSymbols = [`${TERM_SYMBOL_PREFIX}${runs++}/USD`];
      const termFake = await startFakeKrakenServer({ seed: 13, symbols: termSymbols, updatesPerSecond: 100 });
      onTestFinished(() => termFake.close());
      const child = spawn(process.execPath, args('main'), {
        cwd: local.root,
        env: {
          ...process.env,
          STAGE: 'local',
          KRAKEN_WS_URL: termFake.url,
          KRAKEN_SYMBOLS: termSymbols.join(','),
          MARKET_EVENTS_STREAM: streamName,
          REDIS_URL: redisUrl(),
          HEALTH_PORT: '0',
          // A long linger keeps hundreds of events in the buffer when SIGTERM lands.
          KINESIS_LINGER_MS: '60000',
          POWERTOOLS_METRICS_DISABLED: 'true',
          POWERTOOLS_DEV: 'false',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const lines: string[] = [];
      child.stdout.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n')));
      child.stderr.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n')));
      const logged = (message: string) => lines.some((line) => line.includes(`"message":"${message}"`));
      await waitFor(
        () => logged('feed status') && lines.some((l) => l.includes('"status":"live"')),
        'child live',
        20_000,
      );
      // The container health check (node running healthcheck, no shell in the image) passes.
      const started = lines.find((l) => l.includes('"message":"market ingester started"'));
      const healthPort = String((JSON.parse(started!) as { healthPort: number }).healthPort);
      await waitFor(() => lines.some((l) => l.includes('"status":"live"')), 'live', 5_000);
      const check = await execFileAsync(process.execPath, args('healthcheck'), {
        cwd: local.root,
        env: { ...process.env, HEALTH_PORT: healthPort },
      }).then(
        () => 0,
        (error: { code?: number }) => error.code ?? -1,
      );
      expect(check).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 1_000));

      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      const summaryLine = lines.find((line) => line.includes('"message":"shutdown complete"'));
      expect(summaryLine, lines.join('\n')).toBeDefined();
      const summary = JSON.parse(summaryLine!) as {
        queued: number;
        published: number;
        overflow: number;
        unpublished: number;
      };
      expect(summary.queued).toBeGreaterThan(50);
      const putErrors = lines
        .filter((l) => l.includes('PutRecords failed'))
        .slice(0, 2)
        .join('\n');
      expect(summary, putErrors).toMatchObject({ published: summary.queued, overflow: 0, unpublished: 0 });

      const events = (await readStream<MarketEvent>(kinesis, streamName))
        .map((r) => r.data)
        .filter((e) => termSymbols.includes(e.symbol));
      expect(events).toHaveLength(summary.queued);
      expect(new Set(events.map((e) => e.event_id)).size).toBe(events.length);
    },
  );
});
