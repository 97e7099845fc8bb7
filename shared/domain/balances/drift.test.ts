import { describe, expect, it } from 'vitest';
import { dec } from '../decimal.js';
import { pairAssetOf } from './asset-names.js';
import { balanceDrifts } from './drift.js';

describe('Function: pairAssetOf', () => {
  it.each([
    ['XBT', 'BTC'],
    ['XXBT', 'BTC'],
    ['XDG', 'DOGE'],
    ['XXDG', 'DOGE'],
    ['ZUSD', 'USD'],
    ['XETH', 'ETH'],
    ['BTC', 'BTC'],
    ['XRP', 'XRP'],
    ['XLM', 'XLM'],
    ['USD', 'USD'],
  ])('maps %s to %s', (asset, expected) => expect(pairAssetOf(asset)).toBe(expected));
});

describe('Function: balanceDrifts', () => {
  it('finds no drift when balances match positions', () => {
    // Act
    const drifts = balanceDrifts(
      new Map([
        ['XBT', dec('1.5')],
        ['USD', dec('10')],
      ]),
      new Map([['BTC/USD', dec('1.5')]]),
    );

    // Assess
    expect(drifts.map((d) => [d.symbol, d.relative.toString()])).toEqual([['BTC/USD', '0']]);
  });

  it('reports the relative drift of each non-USD asset, largest first', () => {
    // Act
    const drifts = balanceDrifts(
      new Map([
        ['ETH', dec('10')],
        ['XXBT', dec('2')],
        ['ZUSD', dec('500')],
      ]),
      new Map([
        ['BTC/USD', dec('1')],
        ['ETH/USD', dec('9.9')],
      ]),
    );

    // Assess
    expect(drifts.map((d) => [d.asset, d.relative.toString()])).toEqual([
      ['XXBT', '0.5'],
      ['ETH', '0.01'],
    ]);
  });

  it('counts a zero balance against a held position as a drift, not a division by zero', () => {
    // Act
    const [drift] = balanceDrifts(new Map([['SOL', dec('0')]]), new Map([['SOL/USD', dec('3')]]));

    // Assess
    expect(drift?.relative.gt(dec('1'))).toBe(true);
  });

  it('counts a balance with no position as a full drift', () => {
    // Act
    const [drift] = balanceDrifts(new Map([['DOGE', dec('100')]]), new Map());

    // Assess
    expect(drift?.relative.toString()).toBe('1');
  });
});
