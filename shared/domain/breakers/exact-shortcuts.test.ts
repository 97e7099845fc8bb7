import { describe, expect, it } from 'vitest';
import { Decimal } from '../decimal.js';
import type { TopOfBookEvent } from '../market/events.js';
import { addTradeToBar, type Bar } from './bars.js';
import { DEFAULT_BREAKER_CONFIG } from './config.js';
import { EMPTY_SYMBOL_STATE, SymbolEvaluator } from './symbol-evaluator.js';

/**
 * The evaluator's shortcuts around exact decimals (issue #16) give what the long way gives:
 * a bar built trade after trade from its remembered exact values equals one whose text is
 * parsed again at every trade (as a bar read back from Redis is), and a book's mid taken
 * as Number() of its text is the double Decimal.parse(mid).toNumber() is.
 */
const T0 = Date.parse('2026-12-03T10:00:00.000Z');

/** A deterministic sequence of decimal texts, some of them not canonical (leading or trailing zeros). */
function decimals(n: number): string[] {
  let x = 42;
  const next = () => {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    return x;
  };
  return Array.from({ length: n }, (_, i) => {
    const int = String(next() % 100_000);
    const frac = String(next())
      .padStart(10, '0')
      .slice(0, 1 + (next() % 10));
    const text = i % 7 === 0 ? `${int}` : `${int}.${frac}`;
    return i % 5 === 0 ? `0${text}${text.includes('.') ? '00' : ''}` : text;
  });
}

describe('Function: addTradeToBar', () => {
  it('builds the same bars from its remembered values as from the bars text', () => {
    // Prepare
    const prices = decimals(400);
    let remembered: Bar | null = null;
    let reparsed: Bar | null = null;
    const closedRemembered: Bar[] = [];
    const closedReparsed: Bar[] = [];

    prices.forEach((price, i) => {
      const atMs = T0 + i * 1_000;
      const qty = Decimal.parse(prices[(i * 7) % prices.length] as string);

      // Act
      const a = addTradeToBar(remembered, 'BTC/USD', Decimal.parse(price), qty, atMs);
      const roundTripped = reparsed === null ? null : (JSON.parse(JSON.stringify(reparsed)) as Bar);
      const b = addTradeToBar(roundTripped, 'BTC/USD', Decimal.parse(price), qty, atMs);
      remembered = a.bar;
      reparsed = b.bar;
      if (a.closed) closedRemembered.push(a.closed);
      if (b.closed) closedReparsed.push(b.closed);

      // Assess
      expect(a.bar).toEqual(b.bar);
    });
    expect(closedRemembered).toEqual(closedReparsed);
    expect(closedRemembered.length).toBeGreaterThan(5);
  });
});

describe('Class: SymbolEvaluator', () => {
  it("takes a book's mid for the volatility as Decimal.parse(mid).toNumber() would", () => {
    // Prepare
    const mids = decimals(300).filter((m) => Number(m) > 0);
    const book = (mid: string, i: number): TopOfBookEvent => ({
      type: 'top_of_book',
      event_id: `e${i}`,
      symbol: 'BTC/USD',
      exchange_ts: null,
      receive_ts: new Date(T0 + i * 100).toISOString(),
      bid: mid,
      bid_qty: '1',
      ask: mid,
      ask_qty: '1',
      mid,
      spread_bps: '0',
    });
    const asText = new SymbolEvaluator('BTC/USD', EMPTY_SYMBOL_STATE, DEFAULT_BREAKER_CONFIG);
    const canonical = new SymbolEvaluator('BTC/USD', EMPTY_SYMBOL_STATE, DEFAULT_BREAKER_CONFIG);

    // Act
    mids.forEach((mid, i) => {
      asText.apply(book(mid, i), String(1_000 + i));
      canonical.apply(book(Decimal.parse(mid).toString(), i), String(1_000 + i));
    });

    // Assess
    for (const mid of mids) expect(Number(mid)).toBe(Decimal.parse(mid).toNumber());
    expect(asText.snapshot().vol).toEqual(canonical.snapshot().vol);
    expect(asText.volatilityBps().returns).toBeGreaterThan(100);
  });
});
