import { describe, expect, it } from 'vitest';
import { decodeKrakenKeySecret, encodeKrakenKeySecret, KRAKEN_KEY_PLACEHOLDER } from './kraken-key-secret.js';

const credentials = { apiKey: 'key-0123456789abcdef', apiSecret: 'c2VjcmV0LTAxMjM0NTY3ODk=' };

describe('Function: decodeKrakenKeySecret', () => {
  it('reads back what encodeKrakenKeySecret stores', () => {
    // Prepare
    const stored = encodeKrakenKeySecret(credentials);

    // Act
    const decoded = decodeKrakenKeySecret(stored);

    // Assess
    expect(JSON.parse(stored)).toEqual({ api_key: credentials.apiKey, api_secret: credentials.apiSecret });
    expect(decoded).toEqual({ status: 'key', credentials });
  });

  it('reads the shape operators were told to store ({"apiKey","apiSecret"}) as the same key', () => {
    // Prepare
    const operatorStored = JSON.stringify({ apiKey: credentials.apiKey, apiSecret: credentials.apiSecret });

    // Act
    const decoded = decodeKrakenKeySecret(operatorStored);

    // Assess
    expect(decoded).toEqual({ status: 'key', credentials });
  });

  it('recognises the placeholder and never reads it as a key', () => {
    // Act
    const decoded = decodeKrakenKeySecret(KRAKEN_KEY_PLACEHOLDER);

    // Assess
    expect(decoded).toEqual({ status: 'placeholder' });
  });

  it.each([
    [undefined, 'empty secret'],
    ['not json', 'not JSON'],
    ['["a"]', 'not a JSON object'],
    ['{"api_secret":"c2VjcmV0"}', 'no api_key'],
    ['{"api_key":"k"}', 'no api_secret'],
    ['{"api_key":"k","api_secret":"not base64!"}', 'api_secret is not base64'],
  ])('refuses %j as malformed, naming the problem without the value', (text, problem) => {
    // Act
    const decoded = decodeKrakenKeySecret(text);

    // Assess
    expect(decoded).toEqual({ status: 'malformed', problem });
  });
});
