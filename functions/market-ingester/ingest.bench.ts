import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { createKinesisClient } from '../../shared/adapters/aws-clients.js';
import { createRedisClient, redisConfigFromUrl } from '../../shared/adapters/redis/client.js';
import type { Mark, MarketEvent } from '../../shared/domain/market/events.js';
import { parseKrakenFrame } from '../../shared/domain/market/kraken-v2.js';
import { startModuleWorker } from '../../shared/runtime/module-worker.js';
import { percentile, round3 } from '../../test/bench-utils.js';
import { startFakeKrakenServer } from '../../test/fakes/kraken-ws/server.js';
import { createStream, deleteStream } from '../../test/kinesis-local.js';
import { awsEnvironment, redisUrl } from '../../test/local-env.js';
import { RedisMarkWriter } from './adapters/redis-marks.js';
import { KinesisWorkerSink } from './kinesis-worker-sink.js';
import { KrakenFeedClient } from './kraken-client.js';
import { IngestPipeline } from './pipeline.js';
import type { FeedStatus, MarketEventSink, MarkStore } from './ports.js';

export const group = 'ingest';

const nullSink: MarketEventSink = { publish: () => true, flush: async () => undefined };
const nullMarks: MarkStore = {
  put: () => undefined,
  markStale: () => undefined,
  touch: () => undefined,
  setFeedStatus: (_s: FeedStatus) => undefined,
  flush: async () => undefined,
};

/** Captures `seconds` of raw frames from the fake (snapshot first) for the CPU benchmark. */
async function captureFrames(seconds: number): Promise<string[]> {
  const fake = await startFakeKrakenServer({ seed: 3, symbols: ['BTC/USD', 'ETH/USD'], updatesPerSecond: 4_000 });
  const frames: string[] = [];
  const ws = new WebSocket(fake.url);
  ws.on('message', (data) => frames.push(data.toString()));
  await new Promise((resolve) => ws.once('open', resolve));
  ws.send('{"method":"subscribe","params":{"channel":"instrument"},"req_id":1}');
  ws.send('{"method":"subscribe","params":{"channel":"book","symbol":["BTC/USD","ETH/USD"],"depth":10},"req_id":2}');
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  ws.close();
  await fake.close();
  return frames.filter((f) => f.startsWith('{"channel":"instrument"') || f.startsWith('{"channel":"book"'));
}

/**
 * parse + book + checksum + normalise (events and marks built, sinks no-op), one core; and
 * the floor of that work over the very same frames (issue #16): JSON.parse alone, counted
 * in the same book updates (ratios.ingest_over_json_parse).
 */
async function bookUpdatesPerSecond(): Promise<{ perSecond: number; messages: number; jsonParsePerSecond: number }> {
  const frames = await captureFrames(2);
  const updates = frames.filter((f) => f.includes('"type":"update"')).length;
  if (updates < 2_000) throw new Error(`captured only ${updates} updates`);
  const run = () => {
    const pipeline = new IngestPipeline({
      symbols: ['BTC/USD', 'ETH/USD'],
      depth: 10,
      sink: nullSink,
      marks: nullMarks,
    });
    const now = Date.now();
    for (const text of frames) pipeline.handle(parseKrakenFrame(text), now);
    if (pipeline.books.counters.checksumFailed > 0) throw new Error('checksum failure in the benchmark stream');
    return pipeline.books.counters.updates;
  };
  for (let i = 0; i < 3; i++) run(); // warm-up
  let messages = 0;
  const started = performance.now();
  while (performance.now() - started < 3_000) messages += run();
  const perSecond = (messages / (performance.now() - started)) * 1000;
  const perRun = run();
  let parsed = 0;
  const parseAll = () => {
    for (const text of frames) parsed += (JSON.parse(text) as { channel: string }).channel.length;
  };
  for (let i = 0; i < 3; i++) parseAll(); // warm-up
  let parsedUpdates = 0;
  const parseStarted = performance.now();
  while (performance.now() - parseStarted < 3_000) {
    parseAll();
    parsedUpdates += perRun;
  }
  if (parsed === 0) throw new Error('parsed nothing');
  return { perSecond, messages, jsonParsePerSecond: (parsedUpdates / (performance.now() - parseStarted)) * 1000 };
}

/** Where the benchmark's Kinesis records go. */
type KinesisTarget = 'loopback' | 'kinesis-local';

/** A Kinesis endpoint for the run: a stream on kinesis-local, or the loopback fake in a worker. */
async function kinesisEndpoint(target: KinesisTarget): Promise<{
  streamName: string;
  /** Records the endpoint accepted in the run (loopback only; kinesis-local is not read back here). */
  received?: () => Promise<number>;
  close(): Promise<void>;
}> {
  Object.assign(process.env, awsEnvironment());
  const streamName = `bench-ingest-${randomUUID().slice(0, 8)}`;
  if (target === 'loopback') {
    const worker = startModuleWorker(new URL('../../test/fakes/kinesis/worker.ts', import.meta.url), {
      workerData: { responseDelayMs: 10 },
    });
    const ask = <T>(message: object, key: string) =>
      new Promise<T>((resolve, reject) => {
        const onMessage = (reply: Record<string, unknown>) => {
          if (!(key in reply)) return;
          worker.off('message', onMessage);
          resolve(reply[key] as T);
        };
        worker.on('message', onMessage);
        worker.once('error', reject);
        if (Object.keys(message).length > 0) worker.postMessage(message);
      });
    // The ingester's Kinesis worker is started after this and copies the environment then.
    process.env.AWS_ENDPOINT_URL_KINESIS = await ask<string>({}, 'url');
    return {
      streamName,
      received: () => ask<number>({ count: true }, 'accepted'),
      close: async () => {
        await ask({ close: true }, 'closed');
        await worker.terminate();
      },
    };
  }
  const kinesis = createKinesisClient();
  await createStream(kinesis, streamName);
  return {
    streamName,
    close: async () => {
      await deleteStream(kinesis, streamName);
      kinesis.destroy();
    },
  };
}

/**
 * Fake server frame -> mark durable in Redis, ~2,000 frames/s on one connection, with the
 * ingester's Kinesis sink (PutRecords from a worker thread, real SDK) publishing every
 * event. The fake Kraken runs in a worker thread (Kraken is another machine), and so does
 * the Kinesis endpoint for the headline figure (see test/fakes/kinesis/server.ts for why
 * not kinesis-local). A frame whose mark was coalesced into a newer one counts as readable
 * when that newer mark is written.
 */
async function markLatency(target: KinesisTarget): Promise<{
  p50: number;
  p99: number;
  max: number;
  samples: number;
  framesPerSecond: number;
  unpublished: number;
  queued: number;
  /** PutRecords round trips (ms) and records per call, as the sink reported them. */
  putP50Ms: number;
  putMaxMs: number;
  putMaxRecords: number;
}> {
  const endpoint = await kinesisEndpoint(target);
  const { streamName } = endpoint;
  const redis = createRedisClient({ ...redisConfigFromUrl(redisUrl()), commandTimeoutMs: 2_000 });
  await redis.connect();

  const symbol = 'BTC/USD';
  const sentAt = new Map<number, number>(); // checksum -> epoch ms the fake sent the frame
  const writtenAt = new Map<number, number>(); // checksum -> epoch ms its mark was durable
  const pendingFrames: number[] = []; // checksums awaiting a durable mark, in order
  let measuring = false;
  // ~1,500 book + ~300 trade + ~300 ticker frames per second.
  const worker = startModuleWorker(new URL('../../test/fakes/kraken-ws/worker.ts', import.meta.url), {
    workerData: { seed: 5, symbols: [symbol], updatesPerSecond: 1_500 },
  });
  const url = await new Promise<string>((resolve, reject) => {
    worker.on('message', (message: { url?: string; frames?: [number, number][] }) => {
      if (message.url) resolve(message.url);
      for (const [checksum, at] of message.frames ?? []) if (!sentAt.has(checksum)) sentAt.set(checksum, at);
    });
    worker.once('error', reject);
  });
  const markFrame = new WeakMap<Mark, number>();
  let lastTobChecksum: number | undefined;
  // As the ingester runs it: PutRecords in a worker thread (see KinesisWorkerSink).
  const puts: { latencyMs: number; sent: number }[] = [];
  const batcher = new KinesisWorkerSink({
    streamName,
    lingerMs: 20,
    requestTimeoutMs: 5_000,
    onPut: ({ latencyMs, sent }) => puts.push({ latencyMs, sent }),
  });
  const sink: MarketEventSink = {
    publish: (event: MarketEvent) => {
      if (event.type === 'top_of_book') lastTobChecksum = Number(event.event_id.split(':').at(-1));
      return batcher.publish(event);
    },
    flush: (t) => batcher.flush(t),
  };
  const writer = new RedisMarkWriter(redis, {
    onWritten: (marks, writtenPerf) => {
      const now = performance.timeOrigin + writtenPerf;
      for (const mark of marks) {
        const checksum = markFrame.get(mark);
        if (checksum === undefined) continue;
        const at = pendingFrames.indexOf(checksum);
        if (at < 0) continue;
        for (const done of pendingFrames.splice(0, at + 1)) {
          if (measuring && !writtenAt.has(done)) writtenAt.set(done, now);
        }
      }
    },
  });
  const marks: MarkStore = {
    put: (mark) => {
      if (lastTobChecksum !== undefined) {
        markFrame.set(mark, lastTobChecksum);
        pendingFrames.push(lastTobChecksum);
        lastTobChecksum = undefined;
      }
      writer.put(mark);
    },
    markStale: (s) => writer.markStale(s),
    touch: (s, ms) => writer.touch(s, ms),
    setFeedStatus: (s, r, ms) => writer.setFeedStatus(s, r, ms),
    flush: (t) => writer.flush(t),
  };
  const pipeline = new IngestPipeline({ symbols: [symbol], depth: 10, sink, marks });
  const client = new KrakenFeedClient({ url, symbols: [symbol], depth: 10, pipeline });
  client.start();
  await new Promise((resolve) => setTimeout(resolve, 3_000)); // warm-up: JIT tier-up and the first Kinesis batches
  measuring = true;
  const framesBefore = pipeline.counters.frames;
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, 15_000));
  measuring = false;
  const framesPerSecond = ((pipeline.counters.frames - framesBefore) / (performance.now() - started)) * 1000;
  await client.stop();
  await new Promise<void>((resolve) => {
    worker.on('message', (message: { closed?: boolean }) => message.closed && resolve());
    worker.postMessage({ close: true });
  });
  await worker.terminate();
  // kinesis-local falls behind at this rate (see kinesisEndpoint); its backlog is reported, not awaited.
  await batcher.flush(target === 'loopback' ? 10_000 : 2_000);
  const unpublished = batcher.buffered();
  await batcher.close();
  const received = await endpoint.received?.();
  if (received !== undefined && (unpublished > 0 || received !== batcher.stats.queued)) {
    throw new Error(`Kinesis endpoint got ${received} of ${batcher.stats.queued} events (${unpublished} unpublished)`);
  }
  await writer.flush();
  await redis.del(`mark:${symbol}`);
  redis.disconnect();
  await endpoint.close();
  if (pipeline.books.counters.checksumFailed > 0) throw new Error('checksum failure during the latency run');
  const latencies: number[] = [];
  for (const [checksum, written] of writtenAt) {
    const sent = sentAt.get(checksum);
    if (sent !== undefined) latencies.push(written - sent);
  }
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: percentile(latencies, 100),
    samples: latencies.length,
    framesPerSecond,
    unpublished,
    queued: batcher.stats.queued,
    putP50Ms: percentile(
      puts.map((p) => p.latencyMs),
      50,
    ),
    putMaxMs: percentile(
      puts.map((p) => p.latencyMs),
      100,
    ),
    putMaxRecords: Math.max(...puts.map((p) => p.sent)),
  };
}

export default async function bench(): Promise<Record<string, number>> {
  const cpu = await bookUpdatesPerSecond();
  const latency = await markLatency('loopback');
  // The same run with kinesis-local on the same two cores, for comparison (docs/ingester.md).
  const withEmulator = await markLatency('kinesis-local');
  return {
    book_updates_per_s: Math.round(cpu.perSecond),
    json_parse_updates_per_s: Math.round(cpu.jsonParsePerSecond),
    mark_latency_p50_ms: round3(latency.p50),
    mark_latency_p99_ms: round3(latency.p99),
    mark_latency_max_ms: round3(latency.max),
    mark_latency_samples: latency.samples,
    mark_latency_frames_per_s: Math.round(latency.framesPerSecond),
    kinesis_local_mark_latency_p50_ms: round3(withEmulator.p50),
    kinesis_local_mark_latency_p99_ms: round3(withEmulator.p99),
    kinesis_local_events_queued: withEmulator.queued,
    kinesis_local_unpublished_after_run: withEmulator.unpublished,
    kinesis_local_put_p50_ms: round3(withEmulator.putP50Ms),
    kinesis_local_put_max_ms: round3(withEmulator.putMaxMs),
    kinesis_local_put_max_records: withEmulator.putMaxRecords,
  };
}
