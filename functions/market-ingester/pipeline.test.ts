import { describe, expect, it } from 'vitest';
import { crc32 } from '../../shared/domain/market/crc32.js';
import type { InstrumentPair, KrakenFrame } from '../../shared/domain/market/kraken-v2.js';
import { IngestPipeline } from './pipeline.js';
import { MemoryEventSink, MemoryMarkStore } from './test-support/doubles.js';

const BTC: InstrumentPair = {
  symbol: 'BTC/USD',
  base: 'BTC',
  quote: 'USD',
  status: 'online',
  pricePrecision: 1,
  qtyPrecision: 8,
  priceIncrement: '0.1',
  qtyIncrement: '0.00000001',
  qtyMin: '0.0001',
};

/** A one-level BTC/USD book snapshot with Kraken's checksum (asks then bids, digits without point or leading zeros). */
const snapshot: KrakenFrame = {
  kind: 'book',
  type: 'snapshot',
  data: [
    {
      symbol: 'BTC/USD',
      asks: [{ price: '65001.0', qty: '1.50000000' }],
      bids: [{ price: '64999.0', qty: '2.00000000' }],
      checksum: crc32('650010150000000' + '649990200000000'),
      timestamp: '2026-12-03T10:00:00.000000Z',
    },
  ],
};

const trade = (price: string): KrakenFrame => ({
  kind: 'trade',
  type: 'update',
  data: [
    {
      symbol: 'BTC/USD',
      side: 'buy',
      price,
      qty: '0.01',
      ordType: 'market',
      tradeId: 1,
      timestamp: '2026-12-03T10:00:01.500000Z',
    },
  ],
});

describe('Class: IngestPipeline (marks)', () => {
  it('keeps a quiet book verified when a trade rewrites its mark, never moving the verification time back', () => {
    // Prepare: a live book whose top last changed at t0, re-verified since by later frames.
    const marks = new MemoryMarkStore();
    const pipeline = new IngestPipeline({ symbols: ['BTC/USD'], depth: 10, sink: new MemoryEventSink(), marks });
    const t0 = 1_000_000;
    pipeline.handle({ kind: 'instrument', type: 'snapshot', pairs: [BTC] }, t0 - 10);
    pipeline.handle(snapshot, t0);
    expect(marks.marks.get('BTC/USD')).toMatchObject({ mid: '65000.00', receive_ts_ms: String(t0), status: 'live' });
    pipeline.connectionCurrent(t0 + 1_400);
    expect(marks.touches.at(-1)).toEqual({ symbols: ['BTC/USD'], atMs: t0 + 1_400 });

    // Act: a trade 1.5 s after the top last moved, the book itself unchanged.
    pipeline.handle(trade('65000.5'), t0 + 1_500);

    // Assess: the mark written carries the trade and the frame's time as its verification,
    // so the risk API does not read the unchanged book as 1.5 s old.
    const mark = marks.marks.get('BTC/USD');
    expect(mark).toMatchObject({ last: '65000.5', receive_ts_ms: String(t0), verified_ts_ms: String(t0 + 1_500) });
  });

  it('writes no mark for a trade on a book that is not live', () => {
    // Prepare
    const marks = new MemoryMarkStore();
    const pipeline = new IngestPipeline({ symbols: ['BTC/USD'], depth: 10, sink: new MemoryEventSink(), marks });
    pipeline.handle({ kind: 'instrument', type: 'snapshot', pairs: [BTC] }, 1);

    // Act
    pipeline.handle(trade('65000.5'), 2);

    // Assess
    expect(marks.marks.size).toBe(0);
  });
});
