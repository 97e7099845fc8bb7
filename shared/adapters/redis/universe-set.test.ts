import { describe, expect, it } from 'vitest';
import { decodeUniverse, encodeUniverse } from './universe-set.js';

describe('Module: universe-set', () => {
  it('keeps each symbol once, sorted, both ways', () => {
    expect(encodeUniverse(['SOL/USD', 'BTC/USD', 'SOL/USD'])).toEqual(['BTC/USD', 'SOL/USD']);
    expect(decodeUniverse(['ETH/USD', 'BTC/USD'])).toEqual(['BTC/USD', 'ETH/USD']);
  });
});
