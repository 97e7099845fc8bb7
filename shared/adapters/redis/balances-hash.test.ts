import { describe, expect, it } from 'vitest';
import { Decimal } from '../../domain/decimal.js';
import { decodeBalances, encodeBalances } from './balances-hash.js';

describe('Module: balances-hash', () => {
  it('decodes what it encodes, exactly', () => {
    // Prepare
    const balances = new Map([
      ['BTC', Decimal.parse('1.23456789')],
      ['USD', Decimal.parse('100000.0001')],
    ]);

    // Act
    const decoded = decodeBalances(encodeBalances(balances));

    // Assess
    expect([...(decoded.balances ?? [])].map(([asset, b]) => [asset, b.toString()])).toEqual([
      ['BTC', '1.23456789'],
      ['USD', '100000.0001'],
    ]);
    expect(decoded.unreadable).toEqual([]);
  });

  it('reads an empty hash as "no snapshot yet", not as zero balances', () => {
    // Act
    const decoded = decodeBalances({});

    // Assess
    expect(decoded.balances).toBeNull();
  });

  it('names unreadable fields instead of reading them as zero', () => {
    // Act
    const decoded = decodeBalances({ USD: '1e3', BTC: '-1', 'bad asset': '1', ETH: '2' });

    // Assess
    expect([...decoded.unreadable].sort()).toEqual(['BTC', 'USD', 'bad asset']);
    expect([...(decoded.balances ?? new Map()).keys()]).toEqual(['ETH']);
  });

  it('refuses to encode a negative balance or an asset name Kraken does not use', () => {
    // Act / Assess
    expect(() => encodeBalances(new Map([['USD', Decimal.parse('-1')]]))).toThrow(/negative/);
    expect(() => encodeBalances(new Map([['usd', Decimal.parse('1')]]))).toThrow(/asset/);
  });
});
