import { describe, expect, it } from 'vitest';
import { dec } from '../../domain/decimal.js';
import type { InstrumentPair } from '../../domain/market/kraken-v2.js';
import { decodeInstrument, encodeInstrument, instrumentProblems } from './instruments-hash.js';

const btc: InstrumentPair = {
  symbol: 'BTC/USD',
  base: 'BTC',
  quote: 'USD',
  status: 'online',
  pricePrecision: 1,
  qtyPrecision: 8,
  priceIncrement: '0.1',
  qtyIncrement: '0.00000001',
  qtyMin: '0.00005000',
};

describe('Codec: instruments hash entry', () => {
  it('round-trips a pair with its amounts exact and its status as Kraken sent it', () => {
    // Prepare
    const pair: InstrumentPair = { ...btc, status: 'cancel_only' };

    // Act
    const entry = decodeInstrument(pair.symbol, encodeInstrument(pair));

    // Assess
    expect(entry).toMatchObject({ symbol: 'BTC/USD', status: 'cancel_only', base: 'BTC', quote: 'USD' });
    expect(entry?.priceIncrement.eq(dec('0.1'))).toBe(true);
    expect(entry?.qtyIncrement.eq(dec('0.00000001'))).toBe(true);
    expect(entry?.qtyMin.eq(dec('0.00005'))).toBe(true);
    expect([entry?.pricePrecision, entry?.qtyPrecision]).toEqual([1, 8]);
  });

  it('keeps amounts as decimal strings on the wire, never JSON numbers', () => {
    // Prepare / Act
    const json = JSON.parse(encodeInstrument(btc)) as Record<string, unknown>;

    // Assess
    expect(json).toMatchObject({ price_increment: '0.1', qty_increment: '0.00000001', qty_min: '0.00005000' });
  });

  it('refuses to encode a pair without positive increments or a readable minimum', () => {
    // Prepare
    const broken: InstrumentPair = { ...btc, priceIncrement: '', qtyIncrement: '0', qtyMin: '-1' };

    // Act / Assess
    expect(instrumentProblems(broken)).toEqual(['price_increment', 'qty_increment', 'qty_min']);
    expect(() => encodeInstrument(broken)).toThrow(/BTC\/USD unreadable: price_increment, qty_increment, qty_min/);
  });

  it('reads what the local seed writes (no precisions) and a missing status as unknown, never online', () => {
    // Prepare
    const seeded = JSON.stringify({ price_increment: '0.01', qty_increment: '0.00000001', qty_min: '0.002' });

    // Act
    const entry = decodeInstrument('ETH/USD', seeded);

    // Assess
    expect(entry).toMatchObject({ status: 'unknown', pricePrecision: null, qtyPrecision: null });
  });

  it.each([
    ['no entry', undefined],
    ['not JSON', '{oops'],
    ['a JSON array', '[]'],
    ['a float increment', JSON.stringify({ status: 'online', price_increment: 0.1, qty_increment: '1', qty_min: '1' })],
    ['a zero increment', JSON.stringify({ status: 'online', price_increment: '0', qty_increment: '1', qty_min: '1' })],
    ['no minimum', JSON.stringify({ status: 'online', price_increment: '0.1', qty_increment: '1' })],
  ])('decodes %s as no instrument (the rules then reject)', (_name, value) => {
    // Prepare / Act / Assess
    expect(decodeInstrument('BTC/USD', value)).toBeNull();
  });
});
