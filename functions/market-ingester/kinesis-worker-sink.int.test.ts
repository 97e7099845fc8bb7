import { randomUUID } from 'node:crypto';
import type { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKinesisClient } from '../../shared/adapters/aws-clients.js';
import type { TradeEvent } from '../../shared/domain/market/events.js';
import { createStream, deleteStream, readStream } from '../../test/kinesis-local.js';
import { KinesisWorkerSink } from './kinesis-worker-sink.js';
import { tradeEvent, waitFor } from './test-support/doubles.js';

// The ingester's Kinesis sink: events handed to a worker thread that owns the SDK client,
// published to kinesis-local.

const kinesis = createKinesisClient();
const streams: string[] = [];
const streamName = () => {
  const name = `it-sink-${randomUUID().slice(0, 8)}`;
  streams.push(name);
  return name;
};

async function tradeIds(stream: string, symbol: string): Promise<number[]> {
  return (await readStream<TradeEvent>(kinesis, stream)).filter((r) => r.key === symbol).map((r) => r.data.trade_id);
}

let existing: string;
beforeAll(async () => {
  existing = streamName();
  await createStream(kinesis, existing);
});

afterAll(async () => {
  for (const name of streams) await deleteStream(kinesis, name);
  kinesis.destroy();
});

describe('KinesisWorkerSink (worker thread -> kinesis-local)', () => {
  it('delivers every event, per symbol in order, and flush waits for the acknowledgements', async () => {
    const sink = new KinesisWorkerSink({ streamName: existing, lingerMs: 10, requestTimeoutMs: 5_000 });
    try {
      for (let i = 0; i < 300; i++)
        expect(sink.publish(tradeEvent(['BTC/USD', 'ETH/USD', 'SOL/USD'][i % 3]!, i))).toBe(true);
      expect(sink.buffered()).toBe(300);
      await sink.flush(15_000);

      expect(sink.buffered()).toBe(0);
      expect(sink.stats).toMatchObject({ queued: 300, published: 300, overflow: 0, lost: 0 });
      expect(await tradeIds(existing, 'ETH/USD')).toEqual(Array.from({ length: 100 }, (_, k) => 3 * k + 1));
    } finally {
      await sink.close();
    }
  });

  it('keeps retrying while the stream is missing and delivers everything once it exists', async () => {
    const late = streamName();
    const errors: string[] = [];
    const sink = new KinesisWorkerSink({
      streamName: late,
      lingerMs: 10,
      requestTimeoutMs: 5_000,
      retryBaseMs: 50,
      retryCapMs: 200,
      onPut: ({ error }) => error && errors.push(error),
    });
    try {
      for (let i = 0; i < 40; i++) sink.publish(tradeEvent('BTC/USD', i));
      await waitFor(() => errors.length >= 2, 'failed PutRecords reported', 10_000);
      expect(errors[0]).toContain('ResourceNotFoundException');
      expect(sink.buffered()).toBe(40);

      await createStream(kinesis, late);
      await sink.flush(15_000);
      expect(sink.buffered()).toBe(0);
      expect(sink.stats.failedRequests).toBeGreaterThanOrEqual(2);
      expect(await tradeIds(late, 'BTC/USD')).toEqual(Array.from({ length: 40 }, (_, i) => i));
    } finally {
      await sink.close();
    }
  });

  it('bounds its buffer across threads: refused events are counted and reported', async () => {
    const overflows: number[] = [];
    const sink = new KinesisWorkerSink({
      streamName: `it-sink-missing-${randomUUID().slice(0, 8)}`,
      lingerMs: 10,
      requestTimeoutMs: 5_000,
      maxBufferedRecords: 25,
      onOverflow: (n) => overflows.push(n),
    });
    try {
      const accepted = Array.from({ length: 30 }, (_, i) => sink.publish(tradeEvent('BTC/USD', i)));
      expect(accepted.filter(Boolean)).toHaveLength(25);
      expect(sink.stats.overflow).toBe(5);
      expect(overflows).toEqual([1, 1, 1, 1, 1]);
      expect(sink.buffered()).toBe(25);
    } finally {
      await sink.close();
    }
  });

  it('a worker that dies: the events it held are counted as lost and reported, and a new worker carries on', async () => {
    const stream = streamName();
    const failures: { lost: number }[] = [];
    const overflows: number[] = [];
    // Nothing can drain until the stream exists, so the worker holds everything it was given.
    const sink = new KinesisWorkerSink({
      streamName: stream,
      lingerMs: 10,
      requestTimeoutMs: 5_000,
      retryBaseMs: 50,
      retryCapMs: 200,
      onOverflow: (n) => overflows.push(n),
      onWorkerError: (_error, lost) => failures.push({ lost }),
    });
    try {
      for (let i = 0; i < 20; i++) sink.publish(tradeEvent('BTC/USD', i));
      await new Promise((resolve) => setTimeout(resolve, 200)); // handed over to the worker
      // Kill the thread as a crash would (the field is private: only a test reaches in).
      await (sink as unknown as { worker: Worker }).worker.terminate();
      await waitFor(() => failures.length === 1, 'worker failure reported');

      expect(failures[0]).toEqual({ lost: 20 });
      expect(overflows).toEqual([20]);
      expect(sink.stats.lost).toBe(20);
      expect(sink.buffered()).toBe(0);

      await createStream(kinesis, stream);
      for (let i = 20; i < 30; i++) sink.publish(tradeEvent('BTC/USD', i));
      await sink.flush(15_000);
      expect(sink.buffered()).toBe(0);
      expect(await tradeIds(stream, 'BTC/USD')).toEqual(Array.from({ length: 10 }, (_, i) => 20 + i));
    } finally {
      await sink.close();
    }
  });
});
