import { describe, expect, it } from 'vitest';
import { KrakenKeyRejectedError } from '../../shared/domain/controls/errors.js';
import { ExchangeCallError, NotFoundError, UpstreamUnavailableError } from '../../shared/domain/errors.js';
import { type RotateKrakenKeyDeps, rotateKrakenKey } from './rotate-kraken-key.js';

const credentials = { apiKey: 'key-0123456789abcdef', apiSecret: 'c2VjcmV0LTAxMjM0NTY3ODk=' };

function deps(balance: () => Promise<Record<string, string>> = async () => ({ ZUSD: '1' })) {
  const stored: string[] = [];
  const rotations: string[][] = [];
  const ports: RotateKrakenKeyDeps = {
    limits: {
      current: async (accountId) =>
        accountId === 'company' ? { version: 1, limits: {}, created_by: 'seed', created_at: '' } : null,
    },
    kraken: { balance },
    keys: {
      async store(accountId) {
        stored.push(accountId);
        return `risk-gate/test/kraken/${accountId}`;
      },
    },
    rotations: {
      async record(accountId, actor, secretName) {
        rotations.push([accountId, actor, secretName]);
      },
    },
    now: () => Date.parse('2025-01-01T00:00:00Z'),
  };
  return { ports, stored, rotations };
}

describe('Function: rotateKrakenKey', () => {
  it('stores a key Kraken accepts and records the rotation', async () => {
    // Prepare
    const { ports, stored, rotations } = deps();

    // Act
    const result = await rotateKrakenKey({ accountId: 'company', credentials, actor: 'alice' }, ports);

    // Assess
    expect(result).toEqual({ secretName: 'risk-gate/test/kraken/company', rotatedAt: '2025-01-01T00:00:00.000Z' });
    expect(stored).toEqual(['company']);
    expect(rotations).toEqual([['company', 'alice', 'risk-gate/test/kraken/company']]);
  });

  it.each([
    ['an unknown account', 'nobody', async () => ({}), NotFoundError],
    [
      'a key Kraken refuses',
      'company',
      async () => Promise.reject(new ExchangeCallError(['EAPI:Invalid key'], false)),
      KrakenKeyRejectedError,
    ],
    [
      'Kraken not answering',
      'company',
      async () => Promise.reject(new ExchangeCallError(['ENetwork:TimeoutError'], true)),
      UpstreamUnavailableError,
    ],
  ] as const)('refuses %s with its named error and stores nothing', async (_case, accountId, balance, expected) => {
    // Prepare
    const { ports, stored, rotations } = deps(balance);

    // Act
    const rotating = rotateKrakenKey({ accountId, credentials, actor: 'alice' }, ports);

    // Assess
    await expect(rotating).rejects.toBeInstanceOf(expected);
    expect(stored).toEqual([]);
    expect(rotations).toEqual([]);
  });
});
