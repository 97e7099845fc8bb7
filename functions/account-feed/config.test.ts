import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../shared/config/env.js';
import { loadAccountFeedConfig, selects } from './config.js';

const base = { STAGE: 'dev', EXECUTIONS_STREAM: 'executions', REDIS_URL: 'rediss://cache:6379' };

function problems(env: Record<string, string>): string[] {
  try {
    loadAccountFeedConfig(env);
    return [];
  } catch (error) {
    return error instanceof ConfigError ? [...error.problems] : [String(error)];
  }
}

describe('Function: loadAccountFeedConfig', () => {
  it('reads account selections and defaults to Kraken’s real private endpoint', () => {
    // Act
    const config = loadAccountFeedConfig({
      ...base,
      DEAD_MANS_SWITCH_ACCOUNTS: '*',
      CANCEL_UNVETTED_ACCOUNTS: 'a-1, b-2',
    });

    // Assess
    expect(config.KRAKEN_WS_AUTH_URL).toBe('wss://ws-auth.kraken.com/v2');
    expect(selects(config.DEAD_MANS_SWITCH_ACCOUNTS, 'anyone')).toBe(true);
    expect(selects(config.CANCEL_UNVETTED_ACCOUNTS, 'b-2')).toBe(true);
    expect(selects(config.CANCEL_UNVETTED_ACCOUNTS, 'c-3')).toBe(false);
  });

  it.each([
    ['a missing stream', { EXECUTIONS_STREAM: '' }, 'EXECUTIONS_STREAM'],
    ['a shard index outside the count', { SHARD_INDEX: '2', SHARD_COUNT: '2' }, 'SHARD_INDEX'],
    [
      'one refresh per countdown',
      { DEAD_MANS_SWITCH_TIMEOUT_S: '20', DEAD_MANS_SWITCH_REFRESH_MS: '15000' },
      'DEAD_MANS_SWITCH_REFRESH_MS',
    ],
    ['a plaintext feed outside local', { KRAKEN_WS_AUTH_URL: 'ws://fake:1/v2' }, 'KRAKEN_WS_AUTH_URL'],
    ['a bad account id', { CANCEL_UNVETTED_ACCOUNTS: 'ok,../x' }, 'CANCEL_UNVETTED_ACCOUNTS'],
  ])('stops on %s, naming the variable', (_name, env, variable) => {
    expect(problems({ ...base, ...env }).some((p) => p.startsWith(variable))).toBe(true);
  });

  it('refuses in production a fake endpoint, simulation and plaintext Redis', () => {
    // Act
    const found = problems({
      ...base,
      STAGE: 'prod',
      KRAKEN_WS_AUTH_URL: 'wss://proxy.example/v2',
      SIMULATION_MODE: 'true',
    });
    const plaintext = problems({ ...base, STAGE: 'prod', REDIS_URL: 'redis://cache:6379' });

    // Assess
    expect(found.some((p) => p.startsWith('KRAKEN_WS_AUTH_URL'))).toBe(true);
    expect(
      problems({ ...base, STAGE: 'prod', SIMULATION_MODE: 'true' }).some((p) => p.startsWith('SIMULATION_MODE')),
    ).toBe(true);
    expect(plaintext.some((p) => p.startsWith('REDIS_TLS'))).toBe(true);
  });
});
