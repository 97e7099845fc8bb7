import { describe, expect, it } from 'vitest';
import { krakenKeySecretName, krakenKeySecretPrefix } from './names.js';

describe('Function: krakenKeySecretName', () => {
  it('puts the stage before the account so two stages can share an AWS account', () => {
    expect(krakenKeySecretName('prod', 'desk-1')).toBe('risk-gate/prod/kraken/desk-1');
    expect(krakenKeySecretName('dev', 'desk-1')).toBe('risk-gate/dev/kraken/desk-1');
    expect(krakenKeySecretName('prod', 'desk-1').startsWith(krakenKeySecretPrefix('prod'))).toBe(true);
  });

  it('refuses account ids that could escape the prefix or break a policy', () => {
    for (const bad of ['', '../prod/kraken/x', 'a*', 'a/b', '-lead', 'x'.repeat(65)]) {
      expect(() => krakenKeySecretName('prod', bad), bad).toThrow(/not a valid account id/);
    }
  });
});
