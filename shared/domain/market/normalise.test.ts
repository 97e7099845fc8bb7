import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Decimal } from '../decimal.js';
import {
  epochMsTextOfIso,
  exchangeIso,
  integerText,
  isoOfMs,
  markFrom,
  msText,
  spreadBpsText,
  tickerEvent,
  topOfBookEvent,
  tradeEvent,
} from './normalise.js';
import { OrderBook } from './order-book.js';

describe('Function: topOfBookEvent', () => {
  it('computes mid and spread exactly from the best levels', () => {
    const book = new OrderBook('BTC/USD', 10, { pricePrecision: 1, qtyPrecision: 8 });
    book.applySnapshot([{ price: '45283.5', qty: '0.1' }], [{ price: '45285.2', qty: '0.00100000' }]);
    const event = topOfBookEvent(book, '2023-10-06T17:35:55.440295Z', 1_700_000_000_123, 42);
    expect(event).toEqual({
      type: 'top_of_book',
      event_id: 'kraken:tob:BTC/USD:2023-10-06T17:35:55.440295Z:42',
      symbol: 'BTC/USD',
      exchange_ts: '2023-10-06T17:35:55.440Z',
      receive_ts: '2023-11-14T22:13:20.123Z',
      bid: '45283.5',
      bid_qty: '0.10000000',
      ask: '45285.2',
      ask_qty: '0.00100000',
      mid: '45284.35',
      // 1.7 / 45284.35 * 10^4 = 0.37540... bps
      spread_bps: '0.3754',
    });
    const mark = markFrom(event!, '45284.0', 1_700_000_000_123);
    expect(mark).toEqual({
      symbol: 'BTC/USD',
      bid: '45283.5',
      ask: '45285.2',
      mid: '45284.35',
      spread_bps: '0.3754',
      last: '45284.0',
      exchange_ts_ms: String(Date.parse('2023-10-06T17:35:55.440Z')),
      receive_ts_ms: '1700000000123',
      status: 'live',
    });
  });

  it('returns null while one side is empty', () => {
    const book = new OrderBook('BTC/USD', 10, { pricePrecision: 1, qtyPrecision: 8 });
    book.applySnapshot([{ price: '1', qty: '1' }], []);
    expect(topOfBookEvent(book, null, 0, 0)).toBeNull();
  });
});

describe('Function: tradeEvent / tickerEvent', () => {
  it('gives trades a deterministic id and canonical decimals', () => {
    const event = tradeEvent(
      {
        symbol: 'BTC/USD',
        side: 'sell',
        price: '45283.40',
        qty: '0.00050000',
        ordType: 'market',
        tradeId: 77,
        timestamp: '2023-10-06T17:35:55.440295Z',
      },
      0,
    );
    expect(event).toMatchObject({ event_id: 'kraken:trade:BTC/USD:77', price: '45283.4', qty: '0.0005', side: 'sell' });
    const ticker = tickerEvent(
      {
        symbol: 'BTC/USD',
        bid: '1.10',
        bidQty: '1',
        ask: '1.20',
        askQty: '1',
        last: '1.15',
        volume: '100.0',
        vwap: '1.1',
        low: '1',
        high: '2',
        change: '0',
        changePct: '0',
        timestamp: null,
      },
      5,
    );
    expect(ticker).toMatchObject({
      event_id: 'kraken:ticker:BTC/USD:5:100',
      bid: '1.1',
      ask: '1.2',
      volume: '100',
      exchange_ts: null,
    });
  });
});

describe('Function: spreadBpsText', () => {
  it('equals exact Decimal arithmetic, rounded half-even at 4 digits (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 40 }), fc.integer({ min: 0, max: 100_000 }), (bid, diff) => {
        const exact = Decimal.fromInteger(diff * 2)
          .mul(Decimal.fromInteger(10_000))
          .div(Decimal.fromInteger(2 * bid + diff))
          .toFixed(4);
        expect(spreadBpsText(diff, 2 * bid + diff)).toBe(exact);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('Function: exchangeIso', () => {
  it('truncates Kraken microsecond timestamps to milliseconds exactly like Date.parse', () => {
    for (const ts of ['2023-10-06T17:35:55.440295Z', '2026-01-01T00:00:00.999999Z', '2024-02-29T23:59:59.0001Z']) {
      expect(exchangeIso(ts)).toBe(new Date(Date.parse(ts)).toISOString());
    }
    expect(exchangeIso('2023-10-06T17:35:55Z')).toBe('2023-10-06T17:35:55.000Z');
    expect(exchangeIso('garbage')).toBeNull();
    expect(exchangeIso(null)).toBeNull();
  });
});

describe('Functions: isoOfMs / msText / epochMsTextOfIso (per-second caches)', () => {
  it('give the text of toISOString, String and Date.parse, whatever order the times come in (property)', () => {
    // Times cluster in a few seconds (the caches' hits) and jump around (their misses),
    // including before 1970 and the first second of the epoch.
    const second = fc.constantFrom(-2, 0, 1, 1_700_000_000, 1_700_000_001, 1_764_000_000, 4_102_444_799);
    const ms = fc.tuple(second, fc.integer({ min: 0, max: 999 })).map(([s, m]) => s * 1000 + m);
    fc.assert(
      fc.property(fc.array(ms, { minLength: 1, maxLength: 30 }), (times) => {
        for (const t of times) {
          const iso = new Date(t).toISOString();
          expect(isoOfMs(t)).toBe(iso);
          expect(msText(t)).toBe(String(t));
          expect(epochMsTextOfIso(iso)).toBe(String(Date.parse(iso)));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('read odd ISO text as Date.parse does, cache or not', () => {
    const texts = [
      '2026-11-22T22:53:15.336Z',
      '2026-11-22T22:53:15.999Z',
      '2026-11-22T22:53:15.33xZ',
      '2026-11-22T22:53:15.336+',
      '2026-11-22T24:00:00.000Z',
      '2026-11-22T24:00:00.500Z',
      '2026-11-22T22:53:15.336Z',
      '2026-02-30T22:53:15.336Z',
      '2026-11-22T22:53:15Z',
      'garbage',
    ];
    for (const text of texts) expect(epochMsTextOfIso(text)).toBe(String(Date.parse(text)));
    expect(isoOfMs(1.5)).toBe(new Date(1.5).toISOString());
    expect(msText(12.5)).toBe('12.5');
  });
});

describe('Function: integerText', () => {
  it('is String(n) (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.nat(), fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.maxSafeInteger(), fc.double()),
        (n) => {
          expect(integerText(n)).toBe(String(n));
        },
      ),
      { numRuns: 5_000 },
    );
  });
});

describe('Function: topOfBookEvent (mid and spread kept per book)', () => {
  it('gives the mid and spread of a fresh book after every change of prices or quantities (property)', () => {
    const top = fc.record({
      bid: fc.integer({ min: 1, max: 10_000 }),
      gap: fc.integer({ min: 1, max: 50 }),
      qty: fc.integer({ min: 1, max: 9 }),
    });
    fc.assert(
      fc.property(fc.array(top, { minLength: 1, maxLength: 20 }), (tops) => {
        const precision = { pricePrecision: 2, qtyPrecision: 0 };
        const book = new OrderBook('X/USD', 10, precision);
        for (const t of tops) {
          const bid = [{ price: (t.bid / 100).toFixed(2), qty: String(t.qty) }];
          const ask = [{ price: ((t.bid + t.gap) / 100).toFixed(2), qty: String(t.qty) }];
          book.applySnapshot(bid, ask);
          const fresh = new OrderBook('X/USD', 10, precision);
          fresh.applySnapshot(bid, ask);
          const event = topOfBookEvent(book, null, 0, 1);
          const expected = topOfBookEvent(fresh, null, 0, 1);
          expect(event).toEqual(expected);
          expect(event?.mid).toBe(
            Decimal.fromInteger(2 * t.bid + t.gap)
              .div(Decimal.fromInteger(200))
              .toFixed(3),
          );
        }
      }),
      { numRuns: 300 },
    );
  });
});
