import { describe, expect, it } from 'vitest';
import {
  COINGECKO_KEY_PLACEHOLDER,
  decodeCoinGeckoKeySecret,
  encodeCoinGeckoKeySecret,
} from './coingecko-key-secret.js';

describe('Function: decodeCoinGeckoKeySecret', () => {
  it('reads a demo key as a key, trimmed', () => {
    // Act
    const decoded = decodeCoinGeckoKeySecret(' CG-AbCdEf0123456789xYz12345\n');

    // Assess
    expect(decoded).toEqual({ status: 'key', key: 'CG-AbCdEf0123456789xYz12345' });
  });

  it.each([
    [COINGECKO_KEY_PLACEHOLDER, 'marked'],
    // What Secrets Manager generates for a secret CDK creates without a value.
    ['q8:V{w<Z^T]`X,H9p!r2#fLk)zN7$mYs', 'generated'],
    ['', 'empty'],
    [undefined, 'empty'],
  ])('recognises %j as a placeholder (%s)', (text, why) => {
    // Act
    const decoded = decodeCoinGeckoKeySecret(text);

    // Assess
    expect(decoded).toEqual({ status: 'placeholder', why });
  });
});

describe('Function: encodeCoinGeckoKeySecret', () => {
  it('refuses to store a placeholder as a key', () => {
    // Act
    const storing = () => encodeCoinGeckoKeySecret(COINGECKO_KEY_PLACEHOLDER);

    // Assess
    expect(storing).toThrow('placeholder');
    expect(encodeCoinGeckoKeySecret('CG-key')).toBe('CG-key');
  });
});
