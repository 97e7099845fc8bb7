import { describe, expect, it } from 'vitest';
import { causeField, causeReasonField, decodeBreaker, decodeTrippedCauses, encodeCauseChange } from './breaker-hash.js';

describe('Module: breaker-hash', () => {
  it('decodes the summary and the tripped causes of a hash the scripts wrote', () => {
    // Prepare
    const fields = {
      state: 'tripped',
      reason: 'depeg: 75 bps off the peg',
      since_ms: '1700000000000',
      [causeField('depeg')]: '1',
      [causeReasonField('depeg')]: '75 bps off the peg',
      [causeField('spread')]: '0',
    };

    // Act
    const breaker = decodeBreaker(fields);

    // Assess
    expect(breaker.tripped).toBe(true);
    expect(breaker.reason).toBe('depeg: 75 bps off the peg');
    expect(breaker.sinceMs).toBe(1_700_000_000_000);
    expect([...breaker.causes]).toEqual(['depeg']);
  });

  it('reads a missing hash as a clear breaker', () => {
    expect(decodeBreaker({})).toEqual({ tripped: false, reason: undefined, sinceMs: null, causes: new Set() });
    expect(decodeTrippedCauses({ state: 'clear' }).size).toBe(0);
  });

  it('encodes a cause change as the set-cause script arguments', () => {
    expect(encodeCauseChange({ cause: 'volatility', tripped: true, reason: 'vol', atMs: 42 })).toEqual([
      'volatility',
      '1',
      'vol',
      '42',
    ]);
  });
});
