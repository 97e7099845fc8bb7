import { describe, expect, it } from 'vitest';
import { dec } from '../decimal.js';
import { accountFixture, NOW_MS, orderFixture, stateFixture } from './fixtures.js';
import { navOf } from './nav.js';
import { evaluateOrder } from './rules.js';

const balancesLimits = accountFixture({ nav_source: 'balances' }).limits;

describe('Function: navOf', () => {
  it('uses the fixed nav by default, whatever the balances say', () => {
    // Prepare
    const limits = accountFixture().limits;

    // Act
    const outcome = navOf(limits, { balances: new Map([['USD', dec('5')]]), marks: new Map() });

    // Assess
    expect(limits.nav_source).toBe('fixed');
    expect(outcome).toEqual({ known: true, nav: dec('1000000') });
  });

  it('sums the USD balance and every asset at its mark mid, Kraken names mapped', () => {
    // Prepare
    const balances = new Map([
      ['ZUSD', dec('1000.5')],
      ['XXBT', dec('2')],
      ['ETH', dec('10')],
    ]);
    const marks = new Map([
      ['BTC/USD', dec('65000')],
      ['ETH/USD', dec('3000.25')],
    ]);

    // Act
    const outcome = navOf(balancesLimits, { balances, marks });

    // Assess
    expect(outcome.known && outcome.nav.toString()).toBe('161003');
  });

  it('is unknown before the first balances snapshot', () => {
    // Act
    const outcome = navOf(balancesLimits, { marks: new Map() });

    // Assess
    expect(outcome.known).toBe(false);
  });

  it('is unknown when a held asset has no mark, naming the asset', () => {
    // Prepare
    const balances = new Map([
      ['USD', dec('1000')],
      ['SOL', dec('3')],
    ]);

    // Act
    const outcome = navOf(balancesLimits, { balances, marks: new Map([['BTC/USD', dec('65000')]]) });

    // Assess
    expect(outcome).toEqual({ known: false, detail: 'no mark to value the balance of SOL' });
  });

  it('ignores a zero balance of an asset with no mark', () => {
    // Act
    const outcome = navOf(balancesLimits, {
      balances: new Map([
        ['USD', dec('1000')],
        ['SOL', dec('0')],
      ]),
      marks: new Map(),
    });

    // Assess
    expect(outcome.known && outcome.nav.toString()).toBe('1000');
  });

  it('is unknown when the balances are worth nothing', () => {
    // Act
    const outcome = navOf(balancesLimits, { balances: new Map([['USD', dec('0')]]), marks: new Map() });

    // Assess
    expect(outcome.known).toBe(false);
  });
});

describe('Rule: NAV from balances', () => {
  const evaluate = (balances: Map<string, ReturnType<typeof dec>> | undefined, quantity = '0.1') =>
    evaluateOrder(
      orderFixture({ quantity }),
      accountFixture({ nav_source: 'balances' }),
      stateFixture({ balances }),
      NOW_MS,
    );

  it('rejects with NAV_UNAVAILABLE while no balances are known', () => {
    // Act
    const result = evaluate(undefined);

    // Assess
    expect(result.decision).toBe('reject');
    expect(result.reasons.map((r) => r.code)).toEqual(['NAV_UNAVAILABLE']);
  });

  it('rejects with NAV_UNAVAILABLE when a held asset has no mark', () => {
    // Act
    const result = evaluate(
      new Map([
        ['USD', dec('1000000')],
        ['DOGE', dec('5')],
      ]),
    );

    // Assess
    expect(result.reasons.map((r) => r.code)).toContain('NAV_UNAVAILABLE');
  });

  it('accepts within the caps of the NAV the balances give', () => {
    // Act: NAV 100,000 + 1 BTC x 65,000 = 165,000; the 0.1 BTC buy adds 6,500 of 33,000 allowed
    const result = evaluate(
      new Map([
        ['USD', dec('100000')],
        ['XBT', dec('1')],
      ]),
    );

    // Assess
    expect(result.reasons).toEqual([]);
  });

  it('measures the NAV cap against the balances, not the fixed nav', () => {
    // Prepare: NAV from balances 10,000, so the 20% cap is 2,000; fixed nav would allow 200,000
    const balances = new Map([['USD', dec('10000')]]);

    // Act: a 0.1 BTC buy is 6,500 of exposure
    const result = evaluate(balances);

    // Assess
    expect(result.reasons.map((r) => r.code)).toContain('NAV_LIMIT_BREACH');
  });
});
