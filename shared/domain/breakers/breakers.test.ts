import { describe, expect, it } from 'vitest';
import { dec } from '../decimal.js';
import type { MarketEvent, TopOfBookEvent, TradeEvent } from '../market/events.js';
import { addTradeToBar } from './bars.js';
import { BreakerConfigSet, breakerConfigSchema, DEFAULT_BREAKER_CONFIG, parseBreakerConfig } from './config.js';
import { depegBps } from './depeg.js';
import { deviationBps } from './deviation.js';
import { combinedBreaker } from './hysteresis.js';
import { compareSequence, EMPTY_SYMBOL_STATE, SymbolEvaluator } from './symbol-evaluator.js';
import { RollingVolatility } from './volatility.js';

const T0 = Date.parse('2026-03-02T10:00:00.000Z');
let seq = 1000;
const nextSeq = () => String(seq++);

function book(
  symbol: string,
  mid: string,
  atMs: number,
  options: { spread?: string; exchangeLagMs?: number } = {},
): TopOfBookEvent {
  const exchangeMs = atMs - (options.exchangeLagMs ?? 0);
  return {
    type: 'top_of_book',
    event_id: `${symbol}:${exchangeMs}:${mid}:${Math.random()}`,
    symbol,
    exchange_ts: new Date(exchangeMs).toISOString(),
    receive_ts: new Date(atMs).toISOString(),
    bid: mid,
    bid_qty: '1',
    ask: mid,
    ask_qty: '1',
    mid,
    spread_bps: options.spread ?? '1',
  };
}

function trade(symbol: string, price: string, qty: string, atMs: number): TradeEvent {
  return {
    type: 'trade',
    event_id: `${symbol}:t:${atMs}:${price}`,
    symbol,
    exchange_ts: new Date(atMs).toISOString(),
    receive_ts: new Date(atMs).toISOString(),
    trade_id: atMs,
    side: 'buy',
    price,
    qty,
  };
}

function feed(evaluator: SymbolEvaluator, events: MarketEvent[]) {
  return events.flatMap((e) => {
    const out = evaluator.apply(e, nextSeq());
    return out.applied ? out.transitions : [];
  });
}

describe('Class: RollingVolatility', () => {
  it('is sqrt of the summed squared log returns in the window, in bps', () => {
    const vol = new RollingVolatility(60_000);
    vol.add(100, T0);
    vol.add(101, T0 + 1_000);
    vol.add(100, T0 + 2_000);
    const expected = Math.sqrt(Math.log(101 / 100) ** 2 + Math.log(100 / 101) ** 2) * 10_000;
    expect(vol.bps).toBeCloseTo(expected, 9);
    expect(vol.count).toBe(2);
  });

  it('forgets returns older than the window and survives a snapshot round trip', () => {
    const vol = new RollingVolatility(60_000);
    vol.add(100, T0);
    vol.add(110, T0 + 1_000);
    vol.add(110, T0 + 61_001);
    expect(vol.count).toBe(1);
    expect(vol.bps).toBe(0);
    const restored = new RollingVolatility(60_000, vol.snapshot());
    restored.add(121, T0 + 62_000);
    expect(restored.bps).toBeCloseTo(Math.log(1.1) * 10_000, 9);
  });

  it('ignores out-of-order and non-positive prices', () => {
    const vol = new RollingVolatility(60_000);
    vol.add(100, T0 + 5_000);
    expect(vol.add(200, T0)).toBe(false);
    expect(vol.add(0, T0 + 6_000)).toBe(false);
    expect(vol.count).toBe(0);
  });
});

describe('Class: SymbolEvaluator', () => {
  const config = parseBreakerConfig({ vol_trip_bps: 100, vol_clear_bps: 40, vol_min_returns: 2 });

  it('trips the volatility breaker on a spike and clears only below the clear threshold', () => {
    const ev = new SymbolEvaluator('BTC/USD', EMPTY_SYMBOL_STATE, config);
    expect(feed(ev, [book('BTC/USD', '65000', T0), book('BTC/USD', '65010', T0 + 1_000)])).toEqual([]);
    // 65010 -> 65800 is ~121 bps in one return.
    const trip = feed(ev, [book('BTC/USD', '65800', T0 + 2_000)]);
    expect(trip).toMatchObject([{ cause: 'volatility', tripped: true }]);
    expect(ev.volatilityBps().bps).toBeGreaterThanOrEqual(100);
    // 61 s later the spike left the window but a 60 bps move keeps vol between clear (40) and trip.
    expect(feed(ev, [book('BTC/USD', '65405', T0 + 62_500)])).toEqual([]);
    expect(ev.volatilityBps().bps).toBeGreaterThan(40);
    expect(ev.volatilityBps().bps).toBeLessThan(100);
    // Once that return ages out too, a quiet tick brings vol under 40: it clears.
    const clear = feed(ev, [book('BTC/USD', '65406', T0 + 123_000)]);
    expect(clear).toMatchObject([{ cause: 'volatility', tripped: false }]);
  });

  it('needs vol_min_returns returns before it may trip', () => {
    const strict = parseBreakerConfig({ vol_trip_bps: 100, vol_clear_bps: 40, vol_min_returns: 3 });
    const ev = new SymbolEvaluator('BTC/USD', EMPTY_SYMBOL_STATE, strict);
    expect(feed(ev, [book('BTC/USD', '100', T0), book('BTC/USD', '110', T0 + 1)])).toEqual([]);
    expect(feed(ev, [book('BTC/USD', '100', T0 + 2)])).toEqual([]);
    expect(feed(ev, [book('BTC/USD', '110', T0 + 3)])).toMatchObject([{ cause: 'volatility', tripped: true }]);
  });

  it('latches in safe mode: a tripped breaker does not clear by itself', () => {
    const safe = parseBreakerConfig({ vol_trip_bps: 100, vol_clear_bps: 40, safe_mode: true });
    const ev = new SymbolEvaluator('ETH/USD', EMPTY_SYMBOL_STATE, safe);
    feed(ev, [book('ETH/USD', '3000', T0), book('ETH/USD', '3100', T0 + 1), book('ETH/USD', '3000', T0 + 2)]);
    expect(ev.snapshot().causes.volatility?.tripped).toBe(true);
    expect(feed(ev, [book('ETH/USD', '3000', T0 + 200_000), book('ETH/USD', '3000', T0 + 201_000)])).toEqual([]);
    expect(ev.snapshot().causes.volatility?.tripped).toBe(true);
  });

  it('trips on a wide spread at the trip level and clears strictly below the clear level', () => {
    const ev = new SymbolEvaluator('SOL/USD', EMPTY_SYMBOL_STATE, DEFAULT_BREAKER_CONFIG);
    expect(feed(ev, [book('SOL/USD', '150', T0, { spread: '49.99' })])).toEqual([]);
    expect(feed(ev, [book('SOL/USD', '150', T0 + 1, { spread: '50' })])).toMatchObject([
      { cause: 'spread', tripped: true },
    ]);
    expect(feed(ev, [book('SOL/USD', '150', T0 + 2, { spread: '20' })])).toEqual([]);
    expect(feed(ev, [book('SOL/USD', '150', T0 + 3, { spread: '19.99' })])).toMatchObject([
      { cause: 'spread', tripped: false },
    ]);
  });

  it('depeg: USDC/USD trips at 75 bps, holds at 15, clears below 15, ignores quotes older than 180 s', () => {
    const ev = new SymbolEvaluator('USDC/USD', EMPTY_SYMBOL_STATE, DEFAULT_BREAKER_CONFIG);
    expect(feed(ev, [book('USDC/USD', '0.99251', T0)])).toEqual([]); // 74.9 bps
    expect(feed(ev, [book('USDC/USD', '0.9925', T0 + 1_000)])).toMatchObject([
      { cause: 'depeg', tripped: true, value: '75' },
    ]);
    expect(feed(ev, [book('USDC/USD', '0.9985', T0 + 2_000)])).toEqual([]); // exactly 15 bps: still halted
    // A fresh-looking price that Kraken stamped 181 s ago is stale: no resume on it.
    expect(feed(ev, [book('USDC/USD', '1.0000', T0 + 190_000, { exchangeLagMs: 181_000 })])).toEqual([]);
    expect(feed(ev, [book('USDC/USD', '1.0014', T0 + 191_000)])).toMatchObject([{ cause: 'depeg', tripped: false }]);
  });

  it('USDT/USD depegs upward too; other symbols never get a depeg breaker', () => {
    const usdt = new SymbolEvaluator('USDT/USD', EMPTY_SYMBOL_STATE, DEFAULT_BREAKER_CONFIG);
    expect(feed(usdt, [book('USDT/USD', '1.0080', T0)])).toMatchObject([{ cause: 'depeg', tripped: true }]);
    const btc = new SymbolEvaluator('DAI/USD', EMPTY_SYMBOL_STATE, DEFAULT_BREAKER_CONFIG);
    expect(feed(btc, [book('DAI/USD', '0.95', T0)])).toEqual([]);
  });

  it('applies an event once: a redelivered sequence number or a repeated event id changes nothing', () => {
    const ev = new SymbolEvaluator('BTC/USD', EMPTY_SYMBOL_STATE, config);
    const first = book('BTC/USD', '65000', T0);
    expect(ev.apply(first, '500').applied).toBe(true);
    expect(ev.apply(first, '500')).toEqual({ applied: false, why: 'already-applied' });
    expect(ev.apply(first, '499')).toEqual({ applied: false, why: 'already-applied' });
    expect(ev.apply(first, '501')).toEqual({ applied: false, why: 'duplicate-id' });
    const restored = new SymbolEvaluator('BTC/USD', ev.snapshot(), config);
    expect(restored.apply(first, '502')).toEqual({ applied: false, why: 'duplicate-id' });
  });

  it('builds one-minute bars from trades and closes a bar on the next minute', () => {
    const ev = new SymbolEvaluator('BTC/USD', EMPTY_SYMBOL_STATE, config);
    ev.apply(trade('BTC/USD', '100', '1', T0 + 1_000), nextSeq());
    ev.apply(trade('BTC/USD', '105.5', '0.5', T0 + 2_000), nextSeq());
    ev.apply(trade('BTC/USD', '99', '2', T0 + 3_000), nextSeq());
    const out = ev.apply(trade('BTC/USD', '101', '1', T0 + 61_000), nextSeq());
    expect(out.applied && out.closedBar).toEqual({
      symbol: 'BTC/USD',
      bucketStartMs: T0,
      open: '100',
      high: '105.5',
      low: '99',
      close: '99',
      volume: '3.5',
      trades: 3,
    });
    expect(ev.openBar()).toMatchObject({ bucketStartMs: T0 + 60_000, open: '101', trades: 1 });
  });
});

describe('Functions: thresholds and helpers', () => {
  it('computes depeg and deviation exactly in bps', () => {
    expect(depegBps(dec('1.0075')).toString()).toBe('75');
    expect(deviationBps(dec('65650'), dec('65000'))?.toString()).toBe('100');
    expect(deviationBps(dec('1'), dec('0'))).toBeNull();
  });

  it('combines causes: tripped while any is, with every active reason', () => {
    expect(combinedBreaker({})).toEqual({ tripped: false, reason: '' });
    expect(
      combinedBreaker({
        spread: { tripped: true, reason: 'wide', sinceMs: 1 },
        volatility: { tripped: false, reason: 'calm', sinceMs: 1 },
      }),
    ).toEqual({ tripped: true, reason: 'spread: wide' });
  });

  it('orders Kinesis sequence numbers numerically', () => {
    expect(compareSequence('49590338271490256608559692538361571095921575989136588898', '9')).toBeGreaterThan(0);
    expect(compareSequence('100', '99')).toBeGreaterThan(0);
    expect(compareSequence('100', '100')).toBe(0);
  });

  it('refuses a config whose clear level is not below its trip level, and unknown keys', () => {
    expect(() => parseBreakerConfig({ vol_trip_bps: 50, vol_clear_bps: 60 })).toThrow(/vol_clear_bps/);
    expect(() => parseBreakerConfig({ spread_trip_bps: '10', spread_clear_bps: '10' })).toThrow(/spread_clear_bps/);
    expect(() => breakerConfigSchema.parse({ vol_trip: 1 })).toThrow();
  });

  it('picks the symbol row over the default row', () => {
    const btc = parseBreakerConfig({ vol_trip_bps: 300, vol_clear_bps: 100 });
    const set = new BreakerConfigSet(new Map([['BTC/USD', btc]]), DEFAULT_BREAKER_CONFIG, 4);
    expect(set.for('BTC/USD').vol_trip_bps).toBe(300);
    expect(set.for('ETH/USD')).toBe(DEFAULT_BREAKER_CONFIG);
  });

  it('ignores a late trade for the bars', () => {
    const first = addTradeToBar(null, 'X', dec('1'), dec('1'), T0 + 60_000);
    const late = addTradeToBar(first.bar, 'X', dec('5'), dec('1'), T0);
    expect(late).toEqual({ bar: first.bar, closed: null });
  });
});
