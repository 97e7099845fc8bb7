import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createKinesisClient } from '../../shared/adapters/aws-clients.js';
import { createRedisClient, redisConfigFromUrl } from '../../shared/adapters/redis/client.js';
import { Decimal } from '../../shared/domain/decimal.js';
import type { MarketEvent } from '../../shared/domain/market/events.js';
import { REDIS_KEYS } from '../../shared/names.js';
import { type FakeKrakenServer, startFakeKrakenServer } from '../../test/fakes/kraken-ws/server.js';
import { local, redisUrl } from '../../test/local-env.js';
import { type IngesterSettings, type RunningIngester, startIngester } from './ingester.js';
import { waitFor } from './test-doubles.js';

// Symbols no other test uses: this file shares the Redis test db with the others.
const tag = randomUUID()
  .replace(/[^a-f]/g, '')
  .slice(0, 4)
  .toUpperCase()
  .padEnd(4, 'Q');
const SYMBOLS = [`ZQ${tag}/USD`, `ZX${tag}/USD`];
const streamName = `it-ingest-${randomUUID().slice(0, 8)}`;
/** The SIGTERM test's own pairs (and fake): its events are told apart by symbol. */
const TERM_SYMBOLS = [`ZT${tag}/USD`];

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

async function createStream(name: string): Promise<void> {
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 2 }));
  for (let i = 0; i < 100; i++) {
    const { StreamDescriptionSummary } = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`stream ${name} never became ACTIVE`);
}

async function readStream(name: string): Promise<MarketEvent[]> {
  const { Shards } = await kinesis.send(new ListShardsCommand({ StreamName: name }));
  const events: MarketEvent[] = [];
  for (const shard of Shards ?? []) {
    let { ShardIterator } = await kinesis.send(
      new GetShardIteratorCommand({
        StreamName: streamName,
        ShardId: shard.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    for (let i = 0; i < 100 && ShardIterator; i++) {
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator, Limit: 10_000 }));
      for (const record of page.Records ?? []) {
        events.push(JSON.parse(Buffer.from(record.Data ?? []).toString('utf8')) as MarketEvent);
      }
      if ((page.Records ?? []).length === 0 && page.MillisBehindLatest === 0) break;
      ShardIterator = page.NextShardIterator;
    }
  }
  return events;
}

beforeAll(async () => {
  kinesis = createKinesisClient();
  await createStream(streamName);
  redis = createRedisClient({ ...redisConfigFromUrl(redisUrl()), commandTimeoutMs: 2_000 });
  await redis.connect();
  previousFeedStatus = await redis.hgetall(REDIS_KEYS.feedStatus);
  fake = await startFakeKrakenServer({ seed: 11, symbols: SYMBOLS, updatesPerSecond: 100 });
});

afterAll(async () => {
  await fake?.close();
  await redis.del(...[...SYMBOLS, ...TERM_SYMBOLS].map((s) => REDIS_KEYS.mark(s)), REDIS_KEYS.feedStatus);
  if (Object.keys(previousFeedStatus).length > 0) await redis.hset(REDIS_KEYS.feedStatus, previousFeedStatus);
  redis.disconnect();
  await kinesis.send(new DeleteStreamCommand({ StreamName: streamName })).catch(() => undefined);
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
    expect(await redis.hget(REDIS_KEYS.feedStatus, 'status')).toBe('live');
  });

  it('marks data stale in Redis when the connection drops, live again after fresh snapshots', async () => {
    // Refuse reconnects until the stale state has been checked, then let them through.
    fake.faults.refuseConnections(1_000_000);
    fake.faults.dropConnections();
    await waitFor(() => ingester.feedStatus().status === 'stale', 'feed stale');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await redis.hget(REDIS_KEYS.mark(SYMBOLS[0]!), 'status')).toBe('stale');
    expect(await redis.hget(REDIS_KEYS.feedStatus, 'status')).toBe('stale');
    expect((await fetch(`http://127.0.0.1:${ingester.healthPort}/ready`)).status).toBe(503);
    fake.faults.refuseConnections(0);

    await waitFor(() => ingester.readiness().ready, 'ready again', 10_000);
    await waitFor(() => ingester.feedStatus().status === 'live', 'feed live');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await redis.hget(REDIS_KEYS.mark(SYMBOLS[0]!), 'status')).toBe('live');
    await ingester.stop();
    expect(ingester.batcher.buffered()).toBe(0);
  });

  it('SIGTERM flushes every buffered event: events counted in equal events read back from Kinesis', async () => {
    const termFake = await startFakeKrakenServer({ seed: 13, symbols: TERM_SYMBOLS, updatesPerSecond: 100 });
    onTestFinished(() => termFake.close());
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(local.root, 'functions/market-ingester/main.ts')],
      {
        cwd: local.root,
        env: {
          ...process.env,
          STAGE: 'local',
          KRAKEN_WS_URL: termFake.url,
          KRAKEN_SYMBOLS: TERM_SYMBOLS.join(','),
          MARKET_EVENTS_STREAM: streamName,
          REDIS_URL: redisUrl(),
          HEALTH_PORT: '0',
          // A long linger keeps hundreds of events in the buffer when SIGTERM lands.
          KINESIS_LINGER_MS: '60000',
          POWERTOOLS_METRICS_DISABLED: 'true',
          POWERTOOLS_DEV: 'false',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const lines: string[] = [];
    child.stdout.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n')));
    child.stderr.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n')));
    const logged = (message: string) => lines.some((line) => line.includes(`"message":"${message}"`));
    await waitFor(
      () => logged('feed status') && lines.some((l) => l.includes('"status":"live"')),
      'child live',
      20_000,
    );
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

    const events = (await readStream(streamName)).filter((e) => TERM_SYMBOLS.includes(e.symbol));
    expect(events).toHaveLength(summary.queued);
    expect(new Set(events.map((e) => e.event_id)).size).toBe(events.length);
  });
});
