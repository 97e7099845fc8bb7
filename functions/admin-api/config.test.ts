import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../shared/config/env.js';
import { loadAdminApiConfig } from './config.js';

const prod = {
  STAGE: 'prod',
  REDIS_HOST: 'cache.internal',
  DATABASE_HOST: 'proxy.internal',
  DATABASE_USER: 'riskgate',
  AWS_REGION: 'eu-west-1',
  KILL_EVENT_BUS_NAME: 'bus',
  KILL_NOTIFY_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:kill',
  CONTROL_MIN_REPLICA_ACKS: '1',
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

describe('Function: loadAdminApiConfig (production)', () => {
  it('accepts the deployed settings (TLS, IAM auth, Kraken itself)', () => {
    expect(loadAdminApiConfig(prod)).toMatchObject({
      KRAKEN_REST_URL: 'https://api.kraken.com',
      REDIS_TLS: true,
      DATABASE_AUTH: 'iam',
    });
  });

  it.each([
    [{ KRAKEN_REST_URL: 'http://127.0.0.1:9999' }, 'KRAKEN_REST_URL'],
    [{ DATABASE_URL: 'postgres://u:p@db/x' }, 'DATABASE_URL'],
    [{ REDIS_TLS: 'false' }, 'REDIS_TLS'],
    [{ SIMULATION_MODE: 'true' }, 'SIMULATION_MODE'],
  ])('refuses %j, naming the setting', (change, setting) => {
    expect(problems(() => loadAdminApiConfig({ ...prod, ...change })).join('\n')).toContain(setting);
  });
});
