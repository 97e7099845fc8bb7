import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeCoinGecko } from '../../test/fakes/coingecko/server.js';
import { createCoinGeckoClient } from './coingecko-client.js';
import { COINGECKO_KEY_PLACEHOLDER } from './secrets/coingecko-key-secret.js';

/** The client's key handling against the fake CoinGecko on loopback, the secret behind a fake reader. */
const fake = new FakeCoinGecko();

beforeAll(async () => {
  await fake.start();
});

afterAll(async () => {
  await fake.stop();
});

function client(secretValue: string) {
  const placeholders: [string, string][] = [];
  const coins = createCoinGeckoClient(
    { COINGECKO_BASE_URL: fake.baseUrl, COINGECKO_API_KEY_SECRET_ID: 'risk-gate/test/coingecko' },
    { getString: async () => secretValue },
    { onKeyPlaceholder: (secretId, why) => placeholders.push([secretId, why]) },
  );
  return { coins, placeholders };
}

describe('Function: createCoinGeckoClient', () => {
  it('sends a set key as x-cg-demo-api-key and reports nothing', async () => {
    // Prepare
    const { coins, placeholders } = client('CG-demo-key-123');
    const before = fake.requests.length;

    // Act
    await coins.simplePrice(['bitcoin']);

    // Assess
    expect(fake.requests.slice(before).map((r) => r.apiKey)).toEqual(['CG-demo-key-123']);
    expect(placeholders).toEqual([]);
  });

  it.each([
    [COINGECKO_KEY_PLACEHOLDER, 'marked'],
    ['q8:V{w<Z^T]`X,H9p!r2#fLk)zN7$mYs', 'generated'],
  ])('never sends the placeholder %j: calls unkeyed and reports it (%s)', async (secretValue, why) => {
    // Prepare
    const { coins, placeholders } = client(secretValue);
    const before = fake.requests.length;

    // Act
    const quotes = await coins.simplePrice(['bitcoin']);

    // Assess
    expect(quotes.get('bitcoin')?.price.toString()).toBe('65000.5');
    expect(fake.requests.slice(before).map((r) => r.apiKey)).toEqual([undefined]);
    expect(placeholders).toEqual([['risk-gate/test/coingecko', why]]);
  });
});
