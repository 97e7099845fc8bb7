import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../shared/config/env.js';
import { loadKillExecutorConfig } from './config.js';

const prod = {
  STAGE: 'prod',
  REDIS_HOST: 'cache.internal',
  DATABASE_HOST: 'proxy.internal',
  DATABASE_USER: 'riskgate',
  AWS_REGION: 'eu-west-1',
  KILL_EVENT_BUS_NAME: 'bus',
};

function problems(run: () => unknown): string[] {
  try {
    run();
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
}

describe('Function: loadKillExecutorConfig (production)', () => {
  it('accepts the deployed settings (IAM auth, no dead man switch unless asked)', () => {
    expect(loadKillExecutorConfig(prod)).toMatchObject({
      DATABASE_AUTH: 'iam',
      DEAD_MANS_SWITCH_SECONDS: 0,
      KRAKEN_MAX_ATTEMPTS: 4,
      KRAKEN_REST_URL: 'https://api.kraken.com',
    });
  });

  it.each([
    [{ KRAKEN_REST_URL: 'http://127.0.0.1:9999' }, 'KRAKEN_REST_URL'],
    [{ DATABASE_URL: 'postgres://u:p@db/x' }, 'DATABASE_URL'],
    [{ REDIS_TLS: 'false' }, 'REDIS_TLS'],
    [{ SIMULATION_MODE: 'true' }, 'SIMULATION_MODE'],
    [{ KILL_EVENT_BUS_NAME: '' }, 'KILL_EVENT_BUS_NAME'],
    [{ KRAKEN_MAX_ATTEMPTS: '0' }, 'KRAKEN_MAX_ATTEMPTS'],
    [{ DEAD_MANS_SWITCH_SECONDS: '-1' }, 'DEAD_MANS_SWITCH_SECONDS'],
  ])('refuses %j, naming the setting', (change, setting) => {
    expect(problems(() => loadKillExecutorConfig({ ...prod, ...change })).join('\n')).toContain(setting);
  });
});
