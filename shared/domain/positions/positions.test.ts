import { describe, expect, it } from 'vitest';
import { dec } from '../decimal.js';
import { addToDaily, applyFill, FLAT, fillSchema, type Position, tradingDay } from './positions.js';

const fill = (side: 'buy' | 'sell', qty: string, price: string, fee = '0') => ({ side, qty, price, fee });

function run(fills: ReturnType<typeof fill>[], start: Position = FLAT) {
  let position = start;
  const realised: string[] = [];
  for (const f of fills) {
    const out = applyFill(position, f);
    position = out.position;
    realised.push(out.realised.toString());
  }
  return { position, realised };
}

describe('Function: applyFill', () => {
  it('averages the entry price when adding to a long', () => {
    const { position, realised } = run([fill('buy', '1', '100'), fill('buy', '3', '120')]);
    expect(position.qty.toString()).toBe('4');
    expect(position.avgEntry.toString()).toBe('115');
    expect(realised).toEqual(['0', '0']);
  });

  it('realises PnL on a partial close of a long and keeps the average entry', () => {
    const { position, realised } = run([fill('buy', '2', '100', '0.2'), fill('sell', '0.5', '110', '0.05')]);
    expect(realised[1]).toBe('5');
    expect(position.qty.toString()).toBe('1.5');
    expect(position.avgEntry.toString()).toBe('100');
    expect(position.fees.toString()).toBe('0.25');
  });

  it('realises a loss on covering a short above its entry', () => {
    const { position, realised } = run([fill('sell', '2', '3000'), fill('buy', '2', '3100')]);
    expect(realised[1]).toBe('-200');
    expect(position.qty.isZero()).toBe(true);
    expect(position.avgEntry.isZero()).toBe(true);
    expect(position.realisedPnl.toString()).toBe('-200');
  });

  it('flips through zero: realises the closed part and opens the rest at the fill price', () => {
    const { position, realised } = run([fill('buy', '1', '100'), fill('sell', '3', '90')]);
    expect(realised[1]).toBe('-10');
    expect(position.qty.toString()).toBe('-2');
    expect(position.avgEntry.toString()).toBe('90');
  });

  it('is exact with exchange precisions (no float drift)', () => {
    // In floats 0.1 + 0.2 - 0.3 is not 0: the position would never read flat.
    const { position } = run([fill('buy', '0.1', '100'), fill('buy', '0.2', '100'), fill('sell', '0.3', '101.1')]);
    expect(position.qty.isZero()).toBe(true);
    expect(position.realisedPnl.toString()).toBe('0.33');
  });
});

describe('Function: tradingDay and addToDaily', () => {
  const at = (iso: string) => Date.parse(iso);

  it('labels the UTC date by default and shifts at a configured boundary', () => {
    expect(tradingDay(at('2026-03-02T23:59:59.999Z'))).toBe('2026-03-02');
    expect(tradingDay(at('2026-03-03T00:00:00.000Z'))).toBe('2026-03-03');
    expect(tradingDay(at('2026-03-02T21:59:59.999Z'), 22 * 60)).toBe('2026-03-01');
    expect(tradingDay(at('2026-03-02T22:00:00.000Z'), 22 * 60)).toBe('2026-03-02');
  });

  it('accumulates within a day, resets on a new day, ignores a late fill of a past day', () => {
    let daily = addToDaily(null, '2026-03-02', dec('-100'), dec('2'));
    daily = addToDaily(daily, '2026-03-02', dec('30'), dec('1'));
    expect([daily.realisedPnl.toString(), daily.fees.toString()]).toEqual(['-70', '3']);
    daily = addToDaily(daily, '2026-03-03', dec('-5'), dec('0.5'));
    expect(daily).toMatchObject({ date: '2026-03-03' });
    expect([daily.realisedPnl.toString(), daily.fees.toString()]).toEqual(['-5', '0.5']);
    expect(addToDaily(daily, '2026-03-02', dec('-999'), dec('9'))).toBe(daily);
  });
});

describe('Schema: fill', () => {
  it('accepts a well-formed fill and refuses binary floats, zero quantities and negative fees', () => {
    const ok = {
      fill_id: 'f-1',
      account_id: 'company',
      symbol: 'BTC/USD',
      side: 'buy',
      qty: '0.5',
      price: '65000.1',
      fee: '1.3',
      executed_at: '2026-03-02T10:00:00.000Z',
    };
    expect(fillSchema.parse(ok).fee).toBe('1.3');
    expect(fillSchema.safeParse({ ...ok, qty: 0.5 }).success).toBe(false);
    expect(fillSchema.safeParse({ ...ok, qty: '0' }).success).toBe(false);
    expect(fillSchema.safeParse({ ...ok, fee: '-1' }).success).toBe(false);
    expect(fillSchema.safeParse({ ...ok, symbol: 'BTC/EUR' }).success).toBe(false);
  });

  it('refuses a malformed amount instead of throwing (a poison record must not crash the consumer)', () => {
    // Prepare
    const ok = {
      fill_id: 'f-1',
      account_id: 'company',
      symbol: 'BTC/USD',
      side: 'buy',
      qty: '0.5',
      price: '65000.1',
      executed_at: '2026-03-02T10:00:00.000Z',
    };
    const records = ['qty', 'price', 'fee'].flatMap((field) =>
      ['1e3', '-1e3', 'NaN', ''].map((text) => ({ ...ok, [field]: text })),
    );

    // Act
    const results = records.map((record) => fillSchema.safeParse(record));

    // Assess
    expect(results.map((r) => r.success)).toEqual(records.map(() => false));
    expect(new Set(results[0]?.error?.issues.map((i) => i.path.join('.')))).toEqual(new Set(['qty']));
  });
});
