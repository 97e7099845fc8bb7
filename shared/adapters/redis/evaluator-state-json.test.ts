import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BREAKER_CONFIG } from '../../domain/breakers/config.js';
import {
  EMPTY_SYMBOL_STATE,
  RECENT_IDS,
  SymbolEvaluator,
  type SymbolEvaluatorState,
} from '../../domain/breakers/symbol-evaluator.js';
import type { MarketEvent } from '../../domain/market/events.js';
import { decodeEvaluatorState, encodeEvaluatorState } from './evaluator-state-json.js';

const T0 = Date.parse('2026-03-02T10:00:00.000Z');

/** A BTC/USD-like stream: books every ~40 ms with a random walk, a trade every few. */
function events(count: number, seed: number, symbol = 'BTC/USD'): MarketEvent[] {
  let x = seed;
  const random = () => {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    return x / 2 ** 31;
  };
  const out: MarketEvent[] = [];
  let mid = 65_000;
  let at = T0;
  for (let i = 0; i < count; i++) {
    at += Math.floor(random() * 80);
    // Calm and wild phases, so the volatility breaker trips and clears.
    mid = Math.max(1, mid + (random() - 0.5) * (Math.floor(i / 1_500) % 2 ? 120 : 10));
    const ts = new Date(at).toISOString();
    const text = mid.toFixed(1);
    if (i % 5 === 4) {
      out.push({
        type: 'trade',
        event_id: `kraken:trade:${symbol}:${1_000_000 + i}`,
        symbol,
        exchange_ts: ts,
        receive_ts: ts,
        trade_id: 1_000_000 + i,
        side: 'buy',
        price: text,
        qty: '0.01',
      });
    } else {
      out.push({
        type: 'top_of_book',
        event_id: `kraken:tob:${symbol}:${ts}:${Math.floor(random() * 4e9)}`,
        symbol,
        exchange_ts: ts,
        receive_ts: ts,
        bid: text,
        bid_qty: '1',
        ask: text,
        ask_qty: '1',
        mid: text,
        spread_bps: i % 700 < 20 ? '60' : '1',
      });
    }
  }
  return out;
}

/** The evaluator's state after `stream`, applied from `state` (sequence numbers from `firstSeq`). */
function run(state: SymbolEvaluatorState, stream: MarketEvent[], firstSeq = 1000) {
  const evaluator = new SymbolEvaluator('BTC/USD', state, DEFAULT_BREAKER_CONFIG);
  const outcomes = stream.map((e, i) => evaluator.apply(e, String(firstSeq + i)));
  return { outcomes, state: evaluator.snapshot(), vol: evaluator.volatilityBps() };
}

/** The version-1 text: what the previous codec wrote (JSON.stringify of the state). */
const v1 = (state: SymbolEvaluatorState) => JSON.stringify(state);

/** Same doubles bit for bit (toEqual would take -0 for 0 and NaN for NaN loosely). */
function expectSameNumbers(a: readonly number[], b: readonly number[]) {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Object.is(a[i], b[i])).toBe(true);
}

describe('evaluator state codec', () => {
  it('round-trips a full window and the recent ids exactly, in much fewer bytes than version 1', () => {
    const { state } = run(EMPTY_SYMBOL_STATE, events(3_000, 7));
    expect(state.vol.sq.length).toBeGreaterThan(1_000);
    expect(state.recentIds).toHaveLength(RECENT_IDS);
    const text = encodeEvaluatorState(state);
    const back = decodeEvaluatorState(text);
    expect(back).toEqual(state);
    expectSameNumbers(back.vol.sq, state.vol.sq);
    expectSameNumbers(back.vol.ts, state.vol.ts);
    expect(JSON.parse(text).v).toBe(3);
    expect(text.length).toBeLessThan(v1(state).length * 0.6);
  });

  it('gives the same decisions after a round trip as the state kept in memory (and as version 1)', () => {
    const stream = events(6_000, 11);
    const whole = run(EMPTY_SYMBOL_STATE, stream);
    const first = run(EMPTY_SYMBOL_STATE, stream.slice(0, 2_500));
    const viaV2 = run(decodeEvaluatorState(encodeEvaluatorState(first.state)), stream.slice(2_500), 3_500);
    const viaV1 = run(decodeEvaluatorState(v1(first.state)), stream.slice(2_500), 3_500);
    expect(viaV2.outcomes).toEqual(whole.outcomes.slice(2_500));
    expect(viaV2.outcomes).toEqual(viaV1.outcomes);
    expect(Object.is(viaV2.vol.bps, viaV1.vol.bps)).toBe(true);
    expect(viaV2.state).toEqual(viaV1.state);
    const causes = viaV2.outcomes.flatMap((o) =>
      o.applied ? o.transitions.map((t) => `${t.cause}:${t.tripped}`) : [],
    );
    expect(new Set(causes)).toEqual(new Set(['volatility:true', 'volatility:false', 'spread:true', 'spread:false']));
  });

  it('reads a state written by the previous version (version 1) as it was', () => {
    const { state } = run(EMPTY_SYMBOL_STATE, events(500, 3));
    const tripped: SymbolEvaluatorState = {
      ...state,
      causes: { volatility: { tripped: true, reason: 'realised vol 160.0 bps', sinceMs: T0 } },
    };
    expect(decodeEvaluatorState(v1(tripped))).toEqual(tripped);
    expect(decodeEvaluatorState(v1(EMPTY_SYMBOL_STATE))).toEqual(EMPTY_SYMBOL_STATE);
  });

  it('reads a state written by version 2 (ids sharing a prefix with one of the 4 before)', () => {
    const v2 = (ids: string[]) =>
      JSON.stringify({
        v: 2,
        lastSeq: '5',
        ids,
        vol: { lastPrice: 2, lastTs: 1_000, n: 1, sq: 'je21oPfGsD4=', dt: 'CgAAAA==' },
        causes: { spread: { tripped: true, reason: 'spread 60.00 bps >= 50 bps', sinceMs: 990 } },
        bar: null,
      });
    expect(decodeEvaluatorState(v2(['0|kraken:tob:X:1', '13|2', '0|kraken:trade:X:9', '13,2|3']))).toEqual({
      v: 1,
      lastSeq: '5',
      recentIds: ['kraken:tob:X:1', 'kraken:tob:X:2', 'kraken:trade:X:9', 'kraken:tob:X:3'],
      vol: { lastPrice: 2, lastTs: 1_000, ts: [990], sq: [1e-6] },
      causes: { spread: { tripped: true, reason: 'spread 60.00 bps >= 50 bps', sinceMs: 990 } },
      bar: null,
    });
    expect(() => decodeEvaluatorState(v2(['0|a', '0,2|b']))).toThrow(/#1/);
    expect(() => decodeEvaluatorState(v2(['0|a', '0|b', '0|c', '0|d', '0|e', '0,5|f']))).toThrow(/#5/);
    expect(() => decodeEvaluatorState(v2(['0|ab', '0|c', '3,2|d']))).toThrow(/#2/);
    expect(() => decodeEvaluatorState(v2(['x']))).toThrow(/#0/);
  });

  it('keeps times that are not whole ms at or before the last one as they are', () => {
    const state: SymbolEvaluatorState = {
      ...EMPTY_SYMBOL_STATE,
      vol: { lastPrice: 2.5, lastTs: 1_000, ts: [999.5, 1_000, 5_000_000_000, -3], sq: [1e-9, 0, 2.5e-300, 1] },
    };
    const text = encodeEvaluatorState(state);
    expect(JSON.parse(text).vol.ts).toBeTypeOf('string');
    const back = decodeEvaluatorState(text);
    expect(back).toEqual(state);
    expectSameNumbers(back.vol.ts, state.vol.ts);
  });

  it('keeps ids a join would lose (empty, holding a newline) as a list', () => {
    for (const recentIds of [[''], ['a', ''], ['a\nb'], ['a', 'b\n'], []]) {
      const back = decodeEvaluatorState(encodeEvaluatorState({ ...EMPTY_SYMBOL_STATE, recentIds }));
      expect(back.recentIds).toEqual(recentIds);
    }
    expect(JSON.parse(encodeEvaluatorState({ ...EMPTY_SYMBOL_STATE, recentIds: ['a', 'b'] })).ids).toBe('a\nb');
  });

  it('round-trips any window and any ids (property)', () => {
    const double = fc.double({ noNaN: true });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: -1, max: 100_000 }), double), { maxLength: 50 }),
        fc.integer({ min: 0, max: 2 ** 42 }),
        fc.array(fc.string({ maxLength: 30, unit: 'binary' }), { maxLength: 40 }),
        fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: null }),
        (window, lastTs, ids, lastPrice) => {
          const state: SymbolEvaluatorState = {
            ...EMPTY_SYMBOL_STATE,
            lastSeq: '4953',
            recentIds: ids.map((id, i) => (i > 0 && id.length % 3 === 0 ? `${ids[i - 1]}${id}` : id)),
            vol: { lastPrice, lastTs, ts: window.map(([d]) => lastTs - d), sq: window.map(([, s]) => s) },
          };
          const back = decodeEvaluatorState(encodeEvaluatorState(state));
          expect(back.recentIds).toEqual(state.recentIds);
          expectSameNumbers(back.vol.ts, state.vol.ts);
          expectSameNumbers(back.vol.sq, state.vol.sq);
          expect(Object.is(back.vol.lastPrice, lastPrice) || (back.vol.lastPrice === 0 && lastPrice === 0)).toBe(true);
        },
      ),
    );
  });

  it('takes a missing key as the empty state', () => {
    expect(decodeEvaluatorState(null)).toBe(EMPTY_SYMBOL_STATE);
    expect(decodeEvaluatorState(undefined)).toBe(EMPTY_SYMBOL_STATE);
    expect(decodeEvaluatorState('')).toBe(EMPTY_SYMBOL_STATE);
  });

  it('refuses a malformed state (the batch fails, is retried) instead of taking it as empty', () => {
    const good = JSON.parse(encodeEvaluatorState(run(EMPTY_SYMBOL_STATE, events(200, 5)).state));
    const bad = (patch: Record<string, unknown>) => JSON.stringify({ ...good, ...patch });
    expect(() => decodeEvaluatorState('{"v":2,')).toThrow(SyntaxError);
    expect(() => decodeEvaluatorState('{}')).toThrow(/unknown version/);
    expect(() => decodeEvaluatorState('{"v":4}')).toThrow(/unknown version/);
    expect(() => decodeEvaluatorState('null')).toThrow();
    expect(() => decodeEvaluatorState(bad({ vol: { ...good.vol, sq: good.vol.sq.slice(0, -8) } }))).toThrow(/sq/);
    expect(() => decodeEvaluatorState(bad({ vol: { ...good.vol, dt: undefined } }))).toThrow(/ts/);
    expect(() => decodeEvaluatorState(bad({ vol: { ...good.vol, n: -1 } }))).toThrow(/length/);
    expect(() => decodeEvaluatorState(bad({ ids: ['a', 2] }))).toThrow(/ids/);
    expect(() => decodeEvaluatorState(bad({ ids: 7 }))).toThrow(/ids/);
  });
});
