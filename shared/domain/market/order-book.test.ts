import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Decimal } from '../decimal.js';
import { CRC32_INIT, crc32, crc32Append, crc32Final, crc32Update } from './crc32.js';
import { PrecisionError, scaledDigits } from './decimal-text.js';
import { parseKrakenFrame } from './kraken-v2.js';
import { MarketBooks } from './market-books.js';
import { checksumText, OrderBook } from './order-book.js';

/**
 * Kraken's worked example from "Book checksum (WebSocket v2)", as it appears on the wire:
 * JSON numbers at full precision, trailing zeros included. Expected checksum 3310070434.
 */
const DOC_SNAPSHOT =
  '{"channel":"book","type":"snapshot","data":[{"symbol":"BTC/USD","bids":[' +
  '{"price":45283.5,"qty":0.10000000},{"price":45283.4,"qty":1.54582015},{"price":45282.1,"qty":0.10000000},' +
  '{"price":45281.0,"qty":0.10000000},{"price":45280.3,"qty":1.54592586},{"price":45279.0,"qty":0.07990000},' +
  '{"price":45277.6,"qty":0.03310103},{"price":45277.5,"qty":0.30000000},{"price":45277.3,"qty":1.54602737},' +
  '{"price":45276.6,"qty":0.15445238}],"asks":[' +
  '{"price":45285.2,"qty":0.00100000},{"price":45286.4,"qty":1.54571953},{"price":45286.6,"qty":1.54571109},' +
  '{"price":45289.6,"qty":1.54560911},{"price":45290.2,"qty":0.15890660},{"price":45291.8,"qty":1.54553491},' +
  '{"price":45294.7,"qty":0.04454749},{"price":45296.1,"qty":0.35380000},{"price":45297.5,"qty":0.09945542},' +
  '{"price":45299.5,"qty":0.18772827}],"checksum":3310070434}]}';
const DOC_ASKS_TEXT =
  '45285210000045286415457195345286615457110945289615456091145290215890660452918154553491452947445474945296135380000452975994554245299518772827';
const BTC = { symbol: 'BTC/USD', pricePrecision: 1, qtyPrecision: 8 };

function docBooks(depth = 10): MarketBooks {
  const books = new MarketBooks(depth);
  books.setInstrument(BTC);
  const frame = parseKrakenFrame(DOC_SNAPSHOT);
  if (frame.kind !== 'book') throw new Error('expected a book frame');
  const outcome = books.apply(frame.type, frame.data[0]!);
  expect(outcome.kind).toBe('ok');
  return books;
}

function update(symbol: string, bids: [string, string][], asks: [string, string][], checksum: number) {
  const side = (levels: [string, string][]) => levels.map(([price, qty]) => ({ price, qty }));
  return { symbol, bids: side(bids), asks: side(asks), checksum, timestamp: '2023-10-06T17:35:55.440295Z' };
}

describe('Function: crc32', () => {
  it('matches the standard check value of "123456789"', () => {
    expect(crc32('123456789')).toBe(0xcbf43926);
  });
});

const ascii = (maxLength: number, size: 'small' | 'max') => fc.string({ unit: 'binary-ascii', maxLength, size });

describe('Function: crc32Append', () => {
  it('equals hashing the appended text itself, for any running CRC and any length (property)', () => {
    fc.assert(
      fc.property(ascii(40, 'small'), ascii(150, 'max'), (head, tail) => {
        const running = crc32Update(CRC32_INIT, head);
        const raw = crc32Update(0, tail);
        expect(crc32Final(crc32Append(running, raw, tail.length))).toBe(crc32Final(crc32Update(running, tail)));
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('Function: scaledDigits', () => {
  it('renders source text at the pair precision, keeping what JSON.parse would drop', () => {
    expect(scaledDigits('0.001', 8)).toBe('000100000');
    expect(scaledDigits('45281', 1)).toBe('452810');
    expect(scaledDigits('45281.0', 1)).toBe('452810');
    expect(scaledDigits('1e-8', 8)).toBe('000000001');
    expect(scaledDigits('1.5E3', 2)).toBe('150000');
  });

  it('refuses digits beyond the precision instead of rounding them away', () => {
    expect(() => scaledDigits('0.123', 2)).toThrow(PrecisionError);
    expect(scaledDigits('0.1200', 2)).toBe('012');
  });
});

describe('Class: OrderBook', () => {
  describe('Method: checksum', () => {
    it("reproduces Kraken's documented v2 example (3310070434)", () => {
      const books = docBooks();
      expect(books.book('BTC/USD')?.checksum()).toBe(3310070434);
      expect(books.counters).toMatchObject({ checksumOk: 1, checksumFailed: 0 });
    });

    it('hashes the documented asks text exactly', () => {
      const book = docBooks().book('BTC/USD')!;
      expect(book.asks.map(checksumText).join('')).toBe(DOC_ASKS_TEXT);
    });

    it('differs from a naive String(number) rendering, which loses trailing zeros', () => {
      const parsed = JSON.parse(DOC_SNAPSHOT) as {
        data: { bids: { price: number; qty: number }[]; asks: { price: number; qty: number }[] }[];
      };
      const naive = (levels: { price: number; qty: number }[]) =>
        levels.map(
          (l) => `${l.price}`.replace('.', '').replace(/^0+/, '') + `${l.qty}`.replace('.', '').replace(/^0+/, ''),
        );
      const text = [...naive(parsed.data[0]!.asks), ...naive(parsed.data[0]!.bids)].join('');
      expect(crc32(text)).not.toBe(3310070434);
    });
  });

  describe('Method: applyUpdate', () => {
    it('deletes a level on qty 0 and truncates an insert that pushes a level past the depth', () => {
      const books = docBooks(10);
      const book = books.book('BTC/USD')!;
      const probe = new OrderBook('BTC/USD', 10, BTC);
      probe.applySnapshot(
        book.bids.map((l) => ({ price: l.price, qty: l.qty })),
        book.asks.map((l) => ({ price: l.price, qty: l.qty })),
      );
      // Delete the best bid and insert a better one: still 10 bids. Insert a new best ask:
      // the 11th ask falls out of range with no delete from Kraken.
      probe.applyUpdate(
        [
          { price: '45283.5', qty: '0' },
          { price: '45284.0', qty: '0.5' },
        ],
        [{ price: '45285.0', qty: '2.00000000' }],
      );
      const outcome = books.apply(
        'update',
        update(
          'BTC/USD',
          [
            ['45283.5', '0.00000000'],
            ['45284.0', '0.5'],
          ],
          [['45285.0', '2.00000000']],
          probe.checksum(),
        ),
      );
      expect(outcome.kind).toBe('ok');
      expect(book.asks).toHaveLength(10);
      expect(book.asks[0]).toMatchObject({ price: '45285.0', qty: '2.00000000' });
      expect(book.asks.at(-1)?.price).toBe('45297.5');
      expect(book.bids[0]).toMatchObject({ price: '45284.0', qty: '0.50000000' });
      expect(book.bids.some((l) => l.price === '45283.5')).toBe(false);
      expect(outcome.kind === 'ok' && outcome.topChanged).toBe(true);
    });

    it('reports an unchanged top of book when only a deeper level moves', () => {
      const books = docBooks();
      const book = books.book('BTC/USD')!;
      const probe = new OrderBook('BTC/USD', 10, BTC);
      probe.applySnapshot([...book.bids], [...book.asks]);
      probe.applyUpdate([{ price: '45279.0', qty: '1' }], []);
      const outcome = books.apply('update', update('BTC/USD', [['45279.0', '1']], [], probe.checksum()));
      expect(outcome).toMatchObject({ kind: 'ok', topChanged: false });
    });
  });
});

describe('Class: MarketBooks', () => {
  it('drops the book on a checksum mismatch and discards deltas until a new snapshot', () => {
    const books = docBooks();
    const bad = books.apply('update', update('BTC/USD', [['45279.0', '1']], [], 12345));
    expect(bad).toMatchObject({ kind: 'checksum_mismatch', expected: 12345 });
    expect(books.book('BTC/USD')).toBeUndefined();
    expect(books.apply('update', update('BTC/USD', [], [], 3310070434))).toEqual({ kind: 'awaiting_snapshot' });
    expect(books.counters).toMatchObject({ checksumOk: 1, checksumFailed: 1, droppedUpdates: 1 });

    const frame = parseKrakenFrame(DOC_SNAPSHOT);
    if (frame.kind !== 'book') throw new Error('expected a book frame');
    expect(books.apply('snapshot', frame.data[0]!).kind).toBe('ok');
    expect(books.book('BTC/USD')?.checksum()).toBe(3310070434);
  });

  it('cannot verify a book before the pair precision is known', () => {
    const books = new MarketBooks(10);
    expect(books.apply('snapshot', update('BTC/USD', [], [], 0))).toEqual({ kind: 'unknown_instrument' });
  });

  it('keeps the book equal to a reference model through random updates (property)', () => {
    const depth = 10;
    // Prices 1000.00 .. 1060.00 in cents; bids below 1030, asks above.
    const level = (bidSide: boolean) =>
      fc.record({
        cents: bidSide ? fc.integer({ min: 100_000, max: 102_999 }) : fc.integer({ min: 103_000, max: 106_000 }),
        qty: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5_000_000 })),
      });
    const message = fc.record({
      bids: fc.array(level(true), { maxLength: 4 }),
      asks: fc.array(level(false), { maxLength: 4 }),
    });
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 60 }), (messages) => {
        const precision = { pricePrecision: 2, qtyPrecision: 4 };
        const book = new OrderBook('X/USD', depth, precision);
        const ref = { bids: new Map<number, number>(), asks: new Map<number, number>() };
        const text = (cents: number, qty: number) => ({
          price: Decimal.fromInteger(cents).div(Decimal.fromInteger(100)).toString(),
          qty: Decimal.fromInteger(qty).div(Decimal.fromInteger(10_000)).toString(),
        });
        const applyRef = (side: Map<number, number>, levels: { cents: number; qty: number }[], desc: boolean) => {
          for (const l of levels) {
            if (l.qty === 0) side.delete(l.cents);
            else side.set(l.cents, l.qty);
          }
          const kept = [...side.entries()].sort((a, b) => (desc ? b[0] - a[0] : a[0] - b[0])).slice(0, depth);
          side.clear();
          for (const [k, v] of kept) side.set(k, v);
        };
        for (const m of messages) {
          book.applyUpdate(
            m.bids.map((l) => text(l.cents, l.qty)),
            m.asks.map((l) => text(l.cents, l.qty)),
          );
          applyRef(ref.bids, m.bids, true);
          applyRef(ref.asks, m.asks, false);
          expect(book.bids.map((l) => l.ticks)).toEqual([...ref.bids.keys()]);
          expect(book.asks.map((l) => l.ticks)).toEqual([...ref.asks.keys()]);
          const qtyText = (q: number) => Decimal.fromInteger(q).div(Decimal.fromInteger(10_000)).toFixed(4);
          expect(book.bids.map((l) => l.qty)).toEqual([...ref.bids.values()].map(qtyText));
          expect(book.asks.map((l) => l.qty)).toEqual([...ref.asks.values()].map(qtyText));
          // The composed checksum equals Kraken's rule applied to the whole text.
          const top = [...book.asks.slice(0, 10), ...book.bids.slice(0, 10)];
          expect(book.checksum()).toBe(crc32(top.map(checksumText).join('')));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('keeps the cached per-side checksum equal to the recomputed one (property)', () => {
    // Few prices per side, so most changes land in the hashed top ten; depths below, at and
    // above ten (truncation inside and outside the hashed levels); side-only messages, qty-0
    // deletes (some of absent levels), snapshots between updates, and checksums read only
    // after some messages, so several messages' changes accumulate before one is composed.
    const level = (bidSide: boolean) =>
      fc.record({
        cents: bidSide ? fc.integer({ min: 100_000, max: 100_030 }) : fc.integer({ min: 100_040, max: 100_070 }),
        qty: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5_000_000 })),
      });
    const side = (bidSide: boolean) =>
      fc.oneof(
        fc.constant<{ cents: number; qty: number }[]>([]),
        fc.array(level(bidSide), { minLength: 1, maxLength: 6 }),
      );
    const message = fc.record({
      snapshot: fc.boolean().chain((s) => (s ? fc.boolean() : fc.constant(false))),
      bids: side(true),
      asks: side(false),
      read: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.constantFrom(3, 10, 12, 25),
        fc.array(message, { minLength: 1, maxLength: 80 }),
        (depth, messages) => {
          const book = new OrderBook('X/USD', depth, { pricePrecision: 2, qtyPrecision: 4 });
          const text = (l: { cents: number; qty: number }) => ({
            price: Decimal.fromInteger(l.cents).div(Decimal.fromInteger(100)).toFixed(2),
            qty: Decimal.fromInteger(l.qty).div(Decimal.fromInteger(10_000)).toFixed(4),
          });
          for (const m of messages) {
            if (m.snapshot) book.applySnapshot(m.bids.map(text), m.asks.map(text));
            else book.applyUpdate(m.bids.map(text), m.asks.map(text));
            if (!m.read) continue;
            const top = [...book.asks.slice(0, 10), ...book.bids.slice(0, 10)];
            const whole = crc32(top.map(checksumText).join(''));
            expect(book.checksumUncached()).toBe(whole);
            expect(book.checksum()).toBe(whole);
            // Read twice with no change in between: the cache alone answers.
            expect(book.checksum()).toBe(whole);
          }
          const top = [...book.asks.slice(0, 10), ...book.bids.slice(0, 10)];
          expect(book.checksum()).toBe(crc32(top.map(checksumText).join('')));
        },
      ),
      { numRuns: 500 },
    );
  });
});
