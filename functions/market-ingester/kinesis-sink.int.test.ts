import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TradeEvent } from '../../shared/domain/market/events.js';
import { type FakeKinesisServer, startFakeKinesisServer } from '../../test/fakes/kinesis/server.js';
import { KinesisEventBatcher } from './kinesis-sink.js';
import { tradeEvent } from './test-support/doubles.js';

// The batcher against a loopback endpoint that speaks PutRecords and can refuse records or
// requests on demand (kinesis-local cannot); the real SDK does the wire work. Delivery to
// kinesis-local itself is tested with the worker sink and the ingester.

const seqs = (fake: FakeKinesisServer, symbol: string) =>
  (fake.accepted.get(symbol) ?? []).map((data) => (JSON.parse(data) as TradeEvent).trade_id);

describe('KinesisEventBatcher (PutRecords)', () => {
  let fake: FakeKinesisServer;
  let client: KinesisClient;

  beforeEach(async () => {
    fake = await startFakeKinesisServer();
    // One attempt per request: the retries under test are the batcher's, not the SDK's.
    client = new KinesisClient({ endpoint: fake.url, requestHandler: new NodeHttpHandler(), maxAttempts: 1 });
  });
  afterEach(async () => {
    client.destroy();
    await fake.close();
  });

  it('sends at most 500 records per request, keyed by symbol and in order', async () => {
    const batcher = new KinesisEventBatcher({ client, streamName: 'market-events', lingerMs: 5 });
    for (let i = 0; i < 1_200; i++) expect(batcher.publish(tradeEvent(i % 2 ? 'ETH/USD' : 'BTC/USD', i))).toBe(true);
    await batcher.flush(10_000);

    expect(batcher.buffered()).toBe(0);
    expect(batcher.stats).toMatchObject({ queued: 1_200, published: 1_200, overflow: 0 });
    expect(fake.requests.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...fake.requests.map((r) => r.records))).toBeLessThanOrEqual(500);
    const expected = (odd: number) => Array.from({ length: 600 }, (_, k) => 2 * k + odd);
    expect(seqs(fake, 'BTC/USD')).toEqual(expected(0));
    expect(seqs(fake, 'ETH/USD')).toEqual(expected(1));
  });

  it('splits batches by payload bytes', async () => {
    const batcher = new KinesisEventBatcher({ client, streamName: 'market-events', lingerMs: 5, maxBatchBytes: 8_000 });
    const padding = '0'.repeat(900); // ~1.1 KB per record
    for (let i = 0; i < 40; i++) batcher.publish(tradeEvent('BTC/USD', i, padding));
    await batcher.flush(10_000);

    expect(fake.acceptedCount()).toBe(40);
    expect(Math.max(...fake.requests.map((r) => r.bytes))).toBeLessThanOrEqual(8_000);
    expect(fake.requests.length).toBeGreaterThanOrEqual(6);
  });

  it('re-sends records the service refused (throttling) with backoff until all are in, none twice', async () => {
    const puts: { sent: number; failed: number }[] = [];
    const batcher = new KinesisEventBatcher({
      client,
      streamName: 'market-events',
      lingerMs: 5,
      retryBaseMs: 20,
      retryCapMs: 100,
      onPut: ({ sent, failed }) => puts.push({ sent, failed }),
    });
    fake.faults.throttleRecords(250);
    for (let i = 0; i < 300; i++) batcher.publish(tradeEvent('BTC/USD', i));
    await batcher.flush(10_000);

    expect(puts[0]).toEqual({ sent: 300, failed: 250 });
    expect(batcher.stats).toMatchObject({ published: 300, failedRecords: 250 });
    const got = seqs(fake, 'BTC/USD');
    expect(got).toHaveLength(300);
    expect(new Set(got).size).toBe(300);
    // PutRecords gives no order across a partial failure: accepted records precede retried ones.
    expect([...got].sort((a, b) => a - b)).toEqual(Array.from({ length: 300 }, (_, i) => i));
  });

  it('re-queues a whole failed request and delivers it once the service answers again', async () => {
    const errors: unknown[] = [];
    const batcher = new KinesisEventBatcher({
      client,
      streamName: 'market-events',
      lingerMs: 5,
      retryBaseMs: 20,
      retryCapMs: 100,
      onPut: ({ error }) => error && errors.push(error),
    });
    fake.faults.failRequests(3);
    for (let i = 0; i < 50; i++) batcher.publish(tradeEvent('BTC/USD', i));
    await batcher.flush(10_000);

    expect(errors).toHaveLength(3);
    expect(batcher.stats).toMatchObject({ published: 50, failedRequests: 3 });
    expect(seqs(fake, 'BTC/USD')).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('bounds its buffer: overflow is refused, counted and reported, never silent', async () => {
    const overflows: number[] = [];
    fake.faults.failRequests(1_000); // nothing drains
    const batcher = new KinesisEventBatcher({
      client,
      streamName: 'market-events',
      lingerMs: 5,
      maxBufferedRecords: 10,
      onOverflow: (n) => overflows.push(n),
    });
    const accepted = Array.from({ length: 15 }, (_, i) => batcher.publish(tradeEvent('BTC/USD', i)));

    expect(accepted.filter(Boolean)).toHaveLength(10);
    expect(accepted.slice(10)).toEqual([false, false, false, false, false]);
    expect(batcher.stats.overflow).toBe(5);
    expect(overflows).toEqual([1, 1, 1, 1, 1]);
    await batcher.flush(200); // gives up at the deadline with the records still held
    expect(batcher.buffered()).toBe(10);
    expect(fake.acceptedCount()).toBe(0);
  });
});
