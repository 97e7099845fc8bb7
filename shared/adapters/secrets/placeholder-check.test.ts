import { describe, expect, it } from 'vitest';
import { COINGECKO_KEY_PLACEHOLDER } from './coingecko-key-secret.js';
import { encodeKrakenKeySecret, KRAKEN_KEY_PLACEHOLDER } from './kraken-key-secret.js';
import { findSecretPlaceholders } from './placeholder-check.js';

const key = encodeKrakenKeySecret({ apiKey: 'key-0123456789abcdef', apiSecret: 'c2VjcmV0LTAxMjM0NTY3ODk=' });

describe('Function: findSecretPlaceholders', () => {
  it('passes a stage whose secrets all hold real values', async () => {
    // Prepare
    const secrets = new Map([
      ['cg', 'CG-AbCdEf0123456789xYz12345'],
      ['kraken/a', key],
    ]);

    // Act
    const problems = await findSecretPlaceholders({
      read: async (id) => secrets.get(id) ?? null,
      coinGeckoSecretId: 'cg',
      krakenKeySecrets: ['kraken/a'],
    });

    // Assess
    expect(problems).toEqual([]);
  });

  it('names every secret still holding a placeholder, missing or unreadable, never a value', async () => {
    // Prepare
    const secrets = new Map([
      ['cg', COINGECKO_KEY_PLACEHOLDER],
      ['kraken/a', KRAKEN_KEY_PLACEHOLDER],
      ['kraken/b', '{"api_key":"k","api_secret":"not base64!"}'],
    ]);

    // Act
    const problems = await findSecretPlaceholders({
      read: async (id) => secrets.get(id) ?? null,
      coinGeckoSecretId: 'cg',
      krakenKeySecrets: ['kraken/a', 'kraken/b', 'kraken/c'],
    });

    // Assess
    expect(problems).toEqual([
      'cg: CoinGecko key still holds its placeholder (marked)',
      'kraken/a: Kraken key still holds its placeholder',
      'kraken/b: Kraken key unreadable (api_secret is not base64)',
      "kraken/c: no Kraken key stored (the kill switch cannot cancel this account's orders)",
    ]);
    expect(problems.join('\n')).not.toContain('not base64!');
  });
});
