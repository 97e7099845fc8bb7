import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../shared/config/env.js';
import { loadAccountFeedConfig, selects } from './config.js';

const base = {
  STAGE: 'dev',
  EXECUTIONS_STREAM: 'executions',
  REDIS_URL: 'rediss://cache:6379',
  RISK_API_URL: 'https://abc123.execute-api.eu-west-1.amazonaws.com/dev',
  AWS_REGION: 'eu-west-1',
};

function problems(env: Record<string, string | undefined>): string[] {
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
    ['no risk API to probe', { RISK_API_URL: '' }, 'RISK_API_URL'],
    ['a plaintext risk API outside local', { RISK_API_URL: 'http://abc123.example/dev' }, 'RISK_API_URL'],
    ['an unsigned probe outside local', { RISK_API_SIGV4: 'false' }, 'RISK_API_SIGV4'],
    ['a signed probe without a region', { AWS_REGION: undefined }, 'AWS_REGION'],
    [
      'a probe timeout as long as its interval',
      { RISK_API_PROBE_INTERVAL_MS: '2000', RISK_API_PROBE_TIMEOUT_MS: '2000' },
      'RISK_API_PROBE_TIMEOUT_MS',
    ],
  ])('stops on %s, naming the variable', (_name, env, variable) => {
    expect(problems({ ...base, ...env }).some((p) => p.startsWith(variable))).toBe(true);
  });

  it('probes the risk API signed, every 5 s with a 2 s timeout, unless told otherwise', () => {
    // Act
    const config = loadAccountFeedConfig(base);

    // Assess
    expect(config).toMatchObject({
      RISK_API_URL: base.RISK_API_URL,
      RISK_API_SIGV4: true,
      RISK_API_PROBE_INTERVAL_MS: 5_000,
      RISK_API_PROBE_TIMEOUT_MS: 2_000,
    });
  });

  it('lets only local mode probe its local risk API unsigned over http', () => {
    // Act
    const config = loadAccountFeedConfig({
      ...base,
      STAGE: 'local',
      REDIS_URL: 'redis://127.0.0.1:6379',
      KRAKEN_REST_URL: 'http://127.0.0.1:9000',
      KRAKEN_WS_AUTH_URL: 'ws://127.0.0.1:9001/v2',
      RISK_API_URL: 'http://127.0.0.1:8080',
      RISK_API_SIGV4: 'false',
      AWS_REGION: undefined,
    });

    // Assess
    expect(config.RISK_API_SIGV4).toBe(false);
    expect(config.RISK_API_URL).toBe('http://127.0.0.1:8080');
    expect(
      problems({ ...base, STAGE: 'prod', RISK_API_SIGV4: 'false' }).some((p) => p.startsWith('RISK_API_SIGV4')),
    ).toBe(true);
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
