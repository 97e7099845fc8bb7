import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  KrakenProtocolError,
  parseKrakenFrame,
  parseKrakenFrameGeneral,
  pingRequest,
  subscriptionRequest,
} from './kraken-v2.js';

/** The result of parsing `text` one way: the frame, or the class of the error thrown. */
function outcome(parse: (text: string) => unknown, text: string): unknown {
  try {
    return { frame: parse(text) };
  } catch (error) {
    return { error: (error as Error).name };
  }
}

/** Numbers as Kraken writes them, plus forms only the general path reads. */
const wireNumber = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.nat(99_999), fc.nat(99_999_999)).map(([i, f]) => `${i}.${f}`) },
  { weight: 2, arbitrary: fc.nat(1_000_000).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('0.00000000', '007.10', '1e-8', '1.5E3', '-1.0', '4294967296.1') },
);
const wireLevel = fc.tuple(wireNumber, wireNumber).map(([p, q]) => `{"price":${p},"qty":${q}}`);
const wireRow = fc
  .record({
    symbol: fc.constantFrom('BTC/USD', 'ETH/USD', 'USDC/USD', 'A\\"B', 'é/USD'),
    bids: fc.array(wireLevel, { maxLength: 12 }),
    asks: fc.array(wireLevel, { maxLength: 12 }),
    checksum: fc.oneof(fc.nat(), fc.constantFrom('4294967295', '12.0', '"7"', '9007199254740993')),
    timestamp: fc.option(fc.constantFrom('"2026-11-22T22:53:15.336001Z"', '"x"', '"a\\nb"'), { nil: undefined }),
  })
  .map(
    (r) =>
      `{"symbol":"${r.symbol}","bids":[${r.bids.join(',')}],"asks":[${r.asks.join(',')}],"checksum":${r.checksum}` +
      `${r.timestamp === undefined ? '' : `,"timestamp":${r.timestamp}`}}`,
  );
const wireBookFrame = fc
  .tuple(fc.constantFrom('update', 'snapshot', 'delta'), fc.array(wireRow, { minLength: 0, maxLength: 3 }))
  .map(([type, rows]) => `{"channel":"book","type":"${type}","data":[${rows.join(',')}]}`);

describe('Function: parseKrakenFrame', () => {
  it('keeps connection_id beyond 2^53 exact in a status frame', () => {
    const frame = parseKrakenFrame(
      '{"channel":"status","data":[{"api_version":"v2","connection_id":12393906104898154338,"system":"online","version":"2.0.4"}],"type":"update"}',
    );
    expect(frame).toEqual({
      kind: 'status',
      system: 'online',
      connectionId: '12393906104898154338',
      apiVersion: 'v2',
      version: '2.0.4',
    });
  });

  it('reads heartbeat, subscribe ack, subscribe error and pong', () => {
    expect(parseKrakenFrame('{"channel":"heartbeat"}')).toEqual({ kind: 'heartbeat' });
    expect(
      parseKrakenFrame(
        '{"method":"subscribe","result":{"channel":"book","depth":10,"snapshot":true,"symbol":"BTC/USD"},"success":true,"time_in":"2023-09-25T09:04:31.742599Z","time_out":"2023-09-25T09:04:31.742648Z","req_id":7}',
      ),
    ).toEqual({ kind: 'ack', method: 'subscribe', reqId: 7, channel: 'book', symbol: 'BTC/USD', depth: 10 });
    expect(
      parseKrakenFrame(
        '{"error":"Currency pair not supported XBT/USD","method":"subscribe","success":false,"symbol":"XBT/USD","time_in":"2023-09-25T09:04:31.742599Z","time_out":"2023-09-25T09:04:31.742648Z","req_id":8}',
      ),
    ).toEqual({
      kind: 'error',
      method: 'subscribe',
      reqId: 8,
      error: 'Currency pair not supported XBT/USD',
      symbol: 'XBT/USD',
    });
    expect(parseKrakenFrame('{"method":"pong","req_id":9,"time_in":"x","time_out":"y"}')).toEqual({
      kind: 'pong',
      reqId: 9,
    });
  });

  it('reads trades and tickers with exact decimal text', () => {
    const trade = parseKrakenFrame(
      '{"channel":"trade","type":"update","data":[{"symbol":"MATIC/USD","side":"buy","price":0.5147,"qty":6423.46326000,"ord_type":"limit","trade_id":4665846,"timestamp":"2023-09-25T07:48:36.925533Z"}]}',
    );
    expect(trade).toMatchObject({
      kind: 'trade',
      data: [{ symbol: 'MATIC/USD', side: 'buy', price: '0.5147', qty: '6423.46326000', tradeId: 4665846 }],
    });
    const ticker = parseKrakenFrame(
      '{"channel":"ticker","type":"snapshot","data":[{"symbol":"USDT/USD","bid":0.99980,"bid_qty":44620.68691883,"ask":0.99981,"ask_qty":1087605.70466858,"last":0.99981,"volume":270638277.50461281,"vwap":0.99983,"low":0.99959,"high":1.00000,"change":-0.00005,"change_pct":-0.01,"timestamp":"2026-09-24T03:54:18.054886Z"}]}',
    );
    expect(ticker).toMatchObject({
      kind: 'ticker',
      data: [{ bid: '0.99980', volume: '270638277.50461281', change: '-0.00005', high: '1.00000' }],
    });
  });

  it('reads instrument pairs with their precisions', () => {
    const frame = parseKrakenFrame(
      '{"channel":"instrument","type":"snapshot","data":{"assets":[{"id":"BTC","status":"enabled","precision":10,"precision_display":5,"borrowable":true,"collateral_value":1.0,"margin_rate":0.01}],"pairs":[{"symbol":"BTC/USD","base":"BTC","quote":"USD","status":"online","qty_precision":8,"qty_increment":0.00000001,"price_precision":1,"cost_precision":5,"marginable":true,"has_index":true,"cost_min":0.5,"margin_initial":0.2,"position_limit_long":250,"position_limit_short":200,"tick_size":0.1,"price_increment":0.1,"qty_min":0.0001}]}}',
    );
    expect(frame).toEqual({
      kind: 'instrument',
      type: 'snapshot',
      pairs: [
        {
          symbol: 'BTC/USD',
          base: 'BTC',
          quote: 'USD',
          status: 'online',
          pricePrecision: 1,
          qtyPrecision: 8,
          priceIncrement: '0.1',
          qtyIncrement: '0.00000001',
          qtyMin: '0.0001',
        },
      ],
    });
  });

  it('refuses malformed frames with a protocol error', () => {
    expect(() => parseKrakenFrame('not json')).toThrow(KrakenProtocolError);
    expect(() => parseKrakenFrame('{"channel":"book","type":"update","data":[{"symbol":"BTC/USD"}]}')).toThrow(
      /checksum/,
    );
    expect(() =>
      parseKrakenFrame(
        '{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[{"price":1}],"checksum":1}]}',
      ),
    ).toThrow(/price and qty/);
  });
});

describe('Function: parseKrakenFrame (single-pass book reader)', () => {
  it('reads book frames exactly as the general path does, or refuses them as it does (property)', () => {
    fc.assert(
      fc.property(wireBookFrame, (text) => {
        expect(outcome(parseKrakenFrame, text)).toEqual(outcome(parseKrakenFrameGeneral, text));
      }),
      { numRuns: 2_000 },
    );
  });

  it('refuses every damaged book frame the general path refuses (property: one character cut, added, changed or appended)', () => {
    const damaged = fc
      .tuple(
        wireBookFrame,
        fc.nat(),
        fc.constantFrom('cut', 'add', 'change', 'append'),
        fc.constantFrom(...'{}[],:"0.5-e x\\'),
      )
      .map(([text, at, how, ch]) => {
        const i = at % (text.length + 1);
        if (how === 'cut') return text.slice(0, i) + text.slice(i + 1);
        if (how === 'append') return text + ch;
        if (how === 'add') return text.slice(0, i) + ch + text.slice(i);
        return text.slice(0, i) + ch + text.slice(i + 1);
      });
    fc.assert(
      fc.property(damaged, (text) => {
        expect(outcome(parseKrakenFrame, text)).toEqual(outcome(parseKrakenFrameGeneral, text));
      }),
      { numRuns: 5_000 },
    );
  });

  it('refuses truncated and trailing-garbage book frames', () => {
    const good =
      '{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[{"price":65283.7,"qty":0.00000000}],"asks":[],"checksum":1895379432,"timestamp":"2026-11-22T22:53:15.336000Z"}]}';
    expect(parseKrakenFrame(good)).toEqual({
      kind: 'book',
      type: 'update',
      data: [
        {
          symbol: 'BTC/USD',
          bids: [{ price: '65283.7', qty: '0.00000000' }],
          asks: [],
          checksum: 1895379432,
          timestamp: '2026-11-22T22:53:15.336000Z',
        },
      ],
    });
    for (const bad of [
      good.slice(0, -1),
      good.slice(0, 120),
      `${good}]`,
      `${good}{}`,
      good.replace(',"qty":0.00000000', ''),
    ]) {
      expect(() => parseKrakenFrame(bad)).toThrow(KrakenProtocolError);
    }
  });

  it('reads each symbol exactly after others were seen (the reader reuses known symbol strings)', () => {
    const frame = (symbol: string) =>
      `{"channel":"book","type":"update","data":[{"symbol":${symbol},"bids":[],"asks":[],"checksum":7}]}`;
    const symbolOf = (text: string) => {
      const parsed = parseKrakenFrame(text);
      return parsed.kind === 'book' ? parsed.data.map((row) => row.symbol) : parsed.kind;
    };
    const two = frame('"ETH/USD"').replace(
      '],"checksum":7}]}',
      '],"checksum":7},{"symbol":"BTC/USDT","bids":[],"asks":[],"checksum":8}]}',
    );
    // Known, then prefixes and extensions of a known symbol, an escaped spelling, two rows.
    expect(symbolOf(frame('"BTC/USD"'))).toEqual(['BTC/USD']);
    expect(symbolOf(frame('"ETH/USD"'))).toEqual(['ETH/USD']);
    expect(symbolOf(frame('"BTC/USD"'))).toEqual(['BTC/USD']);
    expect(symbolOf(frame('"BTC/USDT"'))).toEqual(['BTC/USDT']);
    expect(symbolOf(frame('"BTC/US"'))).toEqual(['BTC/US']);
    expect(symbolOf(frame('"BTC\\/USD"'))).toEqual(['BTC/USD']);
    expect(symbolOf(two)).toEqual(['ETH/USD', 'BTC/USDT']);
    expect(() => parseKrakenFrame(frame('"BTC/USD'))).toThrow(KrakenProtocolError);
    expect(() => parseKrakenFrame(frame('BTC/USD"'))).toThrow(KrakenProtocolError);
    // Many symbols: the cache replaces entries in turn and stays exact.
    for (let round = 0; round < 2; round++) {
      for (let k = 0; k < 150; k++) expect(symbolOf(frame(`"P${k}/USD"`))).toEqual([`P${k}/USD`]);
    }
  });
});

describe('Function: subscriptionRequest', () => {
  it('builds v2 subscribe requests with depth for book and no trade snapshot', () => {
    expect(JSON.parse(subscriptionRequest('subscribe', 'book', ['BTC/USD'], 3, 25))).toEqual({
      method: 'subscribe',
      params: { channel: 'book', symbol: ['BTC/USD'], depth: 25 },
      req_id: 3,
    });
    expect(JSON.parse(subscriptionRequest('subscribe', 'trade', ['BTC/USD'], 4)).params.snapshot).toBe(false);
    expect(JSON.parse(subscriptionRequest('subscribe', 'instrument', ['BTC/USD'], 5))).toEqual({
      method: 'subscribe',
      params: { channel: 'instrument', snapshot: true },
      req_id: 5,
    });
    expect(JSON.parse(pingRequest(6))).toEqual({ method: 'ping', req_id: 6 });
  });
});
