import { describe, expect, it } from 'vitest';
import { COINGECKO_KEY_PLACEHOLDER } from '../shared/adapters/secrets/coingecko-key-secret.js';
import { runSecretsPreflight } from './preflight.js';

/** An in-memory Secrets Manager: the `read` port of the secrets preflight. */
function secretsOf(values: Record<string, string>) {
  const asked: string[] = [];
  return {
    asked,
    read: async (secretId: string) => {
      asked.push(secretId);
      return values[secretId] ?? null;
    },
  };
}

const COINGECKO = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:CoinGeckoApiKey-abc';
const KRAKEN_KEY = JSON.stringify({
  apiKey: 'k'.repeat(56),
  apiSecret: Buffer.from('s'.repeat(64)).toString('base64'),
});

describe('Function: runSecretsPreflight', () => {
  it('passes a stage whose CoinGecko key and every enabled account key are set', async () => {
    // Prepare
    const secrets = secretsOf({
      [COINGECKO]: 'CG-realdemokey1234567890',
      'risk-gate/prod/kraken/desk-1': KRAKEN_KEY,
    });

    // Act
    const result = await runSecretsPreflight({
      stage: 'prod',
      read: secrets.read,
      coinGeckoSecretId: COINGECKO,
      accountIds: ['desk-1'],
    });

    // Assess
    expect(result).toEqual({ stage: 'prod', problems: [], checks: 2 });
    expect(secrets.asked).toEqual([COINGECKO, 'risk-gate/prod/kraken/desk-1']);
  });

  it("refuses a CoinGecko placeholder and an account with no key, naming the secrets and only this stage's names", async () => {
    // Prepare
    const secrets = secretsOf({ [COINGECKO]: COINGECKO_KEY_PLACEHOLDER });

    // Act
    const result = await runSecretsPreflight({
      stage: 'staging',
      read: secrets.read,
      coinGeckoSecretId: COINGECKO,
      accountIds: ['desk-2'],
    });

    // Assess
    expect(result.problems).toEqual([
      expect.stringContaining(`${COINGECKO}: CoinGecko key still holds its placeholder`),
      expect.stringContaining('risk-gate/staging/kraken/desk-2: no Kraken key stored'),
    ]);
    expect(result.problems.join(' ')).not.toContain(COINGECKO_KEY_PLACEHOLDER);
  });

  it('refuses an account id no key secret could be named after, before reading anything', async () => {
    // Prepare
    const secrets = secretsOf({});

    // Act
    const result = await runSecretsPreflight({
      stage: 'prod',
      read: secrets.read,
      coinGeckoSecretId: COINGECKO,
      accountIds: ['../other-stage'],
    });

    // Assess
    expect(result.problems).toEqual([expect.stringContaining('../other-stage')]);
    expect(secrets.asked).toEqual([]);
  });
});
