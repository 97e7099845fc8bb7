import { afterEach, describe, expect, it } from 'vitest';
import type { InstrumentPair } from '../../shared/domain/market/kraken-v2.js';
import { InstrumentPublisher } from './instrument-publisher.js';
import { IngestPipeline } from './pipeline.js';
import type { InstrumentTarget } from './ports.js';
import { MemoryEventSink, MemoryMarkStore, waitFor } from './test-support/doubles.js';

/** In-memory {@link InstrumentTarget}: the latest written version per symbol, and every batch. */
class MemoryInstrumentTarget implements InstrumentTarget {
  readonly rows = new Map<string, InstrumentPair>();
  readonly forgotten: string[] = [];
  readonly batches: number[] = [];
  failNext = 0;
  constructor(readonly name: string) {}
  async write(pairs: readonly InstrumentPair[], unreadable: readonly string[]): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error(`${this.name} down`);
    }
    this.batches.push(pairs.length);
    for (const pair of pairs) this.rows.set(pair.symbol, pair);
    for (const symbol of unreadable) {
      this.rows.delete(symbol);
      this.forgotten.push(symbol);
    }
  }
}

function pair(symbol: string, status = 'online', overrides: Partial<InstrumentPair> = {}): InstrumentPair {
  return {
    symbol,
    base: symbol.split('/')[0] ?? '',
    quote: 'USD',
    status,
    pricePrecision: 2,
    qtyPrecision: 8,
    priceIncrement: '0.01',
    qtyIncrement: '0.00000001',
    qtyMin: '0.002',
    ...overrides,
  };
}

let publisher: InstrumentPublisher | undefined;
afterEach(() => publisher?.close());

describe('Class: InstrumentPublisher', () => {
  it('writes a whole snapshot in one batch per target, later, not on the publishing call', async () => {
    // Prepare
    const redis = new MemoryInstrumentTarget('redis');
    const postgres = new MemoryInstrumentTarget('postgres');
    publisher = new InstrumentPublisher([redis, postgres], { lingerMs: 20 });
    const snapshot = Array.from({ length: 1_000 }, (_, i) => pair(`C${i}/USD`));

    // Act
    publisher.publish(snapshot);
    const writtenDuringPublish = redis.rows.size;
    await publisher.flush();

    // Assess
    expect(writtenDuringPublish).toBe(0);
    expect(redis.batches).toEqual([1_000]);
    expect(postgres.batches).toEqual([1_000]);
  });

  it('keeps only the newest version of a pair queued between two writes', async () => {
    // Prepare
    const redis = new MemoryInstrumentTarget('redis');
    publisher = new InstrumentPublisher([redis], { lingerMs: 20 });

    // Act
    publisher.publish([pair('BTC/USD', 'online')]);
    publisher.publish([pair('BTC/USD', 'maintenance')]);
    await publisher.flush();

    // Assess
    expect(redis.batches).toEqual([1]);
    expect(redis.rows.get('BTC/USD')?.status).toBe('maintenance');
  });

  it('retries a failing target without holding back the other, and a newer version wins the retry', async () => {
    // Prepare
    const redis = new MemoryInstrumentTarget('redis');
    const postgres = new MemoryInstrumentTarget('postgres');
    postgres.failNext = 1;
    const errors: string[] = [];
    publisher = new InstrumentPublisher([redis, postgres], {
      lingerMs: 5,
      retryDelayMs: 30,
      onError: (target) => errors.push(target),
    });

    // Act
    publisher.publish([pair('ETH/USD', 'online')]);
    await waitFor(() => redis.rows.has('ETH/USD') && errors.length === 1, 'redis written, postgres failed');
    publisher.publish([pair('ETH/USD', 'cancel_only')]);
    await waitFor(() => postgres.rows.has('ETH/USD'), 'postgres retried');

    // Assess
    expect(errors).toEqual(['postgres']);
    expect(postgres.rows.get('ETH/USD')?.status).toBe('cancel_only');
  });

  it('hands unreadable pairs to the targets as symbols to forget, never as rows', async () => {
    // Prepare
    const redis = new MemoryInstrumentTarget('redis');
    publisher = new InstrumentPublisher([redis], { lingerMs: 5 });

    // Act
    publisher.publish([pair('SOL/USD'), pair('BAD/USD', 'online', { priceIncrement: '' })]);
    await publisher.flush();

    // Assess
    expect([...redis.rows.keys()]).toEqual(['SOL/USD']);
    expect(redis.forgotten).toEqual(['BAD/USD']);
  });

  it('names base and quote after the symbol when Kraken leaves them out', async () => {
    // Prepare
    const redis = new MemoryInstrumentTarget('redis');
    publisher = new InstrumentPublisher([redis], { lingerMs: 5 });

    // Act
    publisher.publish([pair('XRP/USD', 'online', { base: '', quote: '' })]);
    await publisher.flush();

    // Assess
    expect(redis.rows.get('XRP/USD')).toMatchObject({ base: 'XRP', quote: 'USD' });
  });
});

describe('Class: IngestPipeline (instruments and symbols added while running)', () => {
  const frame = (type: 'snapshot' | 'update', pairs: InstrumentPair[]) =>
    ({ kind: 'instrument', type, pairs }) as const;

  it('publishes every pair of the instrument channel, snapshot and updates, subscribed or not', () => {
    // Prepare
    const published: string[] = [];
    const pipeline = new IngestPipeline({
      symbols: ['BTC/USD'],
      depth: 10,
      sink: new MemoryEventSink(),
      marks: new MemoryMarkStore(),
      instruments: {
        publish: (pairs) => published.push(...pairs.map((p) => `${p.symbol}:${p.status}`)),
        flush: async () => {},
      },
    });

    // Act
    pipeline.handle(frame('snapshot', [pair('BTC/USD'), pair('ADA/USD'), pair('ETH/EUR')]), 1);
    pipeline.handle(frame('update', [pair('ADA/USD', 'maintenance')]), 2);

    // Assess
    expect(published).toEqual(['BTC/USD:online', 'ADA/USD:online', 'ETH/EUR:online', 'ADA/USD:maintenance']);
    expect(pipeline.knowsInstrument('ETH/EUR')).toBe(true);
  });

  it('does not let a symbol added while running turn the feed stale before its first snapshot', () => {
    // Prepare
    const pipeline = new IngestPipeline({
      symbols: ['BTC/USD'],
      depth: 10,
      sink: new MemoryEventSink(),
      marks: new MemoryMarkStore(),
    });
    pipeline.handle(frame('snapshot', [pair('BTC/USD'), pair('SOL/USD')]), 1);

    // Act
    const added = pipeline.addSymbols(['SOL/USD', 'BTC/USD']);

    // Assess
    expect(added).toEqual(['SOL/USD']);
    expect(pipeline.awaitingSnapshot()).toEqual(['BTC/USD']);
  });
});
