import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../shared/config/env.js';
import { loadStateRebuildConfig } from './config.js';

const prod = {
  STAGE: 'prod',
  REDIS_HOST: 'cache.internal',
  DATABASE_HOST: 'proxy.internal',
  DATABASE_USER: 'riskgate',
  AWS_REGION: 'eu-west-1',
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

describe('Function: loadStateRebuildConfig', () => {
  it('accepts the deployed settings (TLS, IAM auth, one replica acknowledgement)', () => {
    expect(loadStateRebuildConfig(prod)).toMatchObject({
      REDIS_TLS: true,
      DATABASE_AUTH: 'iam',
      CONTROL_MIN_REPLICA_ACKS: 1,
      STATE_EPOCH_GRACE_MS: 10_000,
      STATE_REBUILD_ATTEMPTS: 3,
    });
  });

  it.each([
    [{ CONTROL_MIN_REPLICA_ACKS: '0' }, 'CONTROL_MIN_REPLICA_ACKS'],
    [{ DATABASE_URL: 'postgres://u:p@db/x' }, 'DATABASE_URL'],
    [{ REDIS_TLS: 'false' }, 'REDIS_TLS'],
    [{ SIMULATION_MODE: 'true' }, 'SIMULATION_MODE'],
    [{ STATE_REBUILD_ATTEMPTS: '0' }, 'STATE_REBUILD_ATTEMPTS'],
  ])('refuses %j in production, naming the setting', (change, setting) => {
    expect(problems(() => loadStateRebuildConfig({ ...prod, ...change })).join('\n')).toContain(setting);
  });

  it('names a missing store setting', () => {
    expect(problems(() => loadStateRebuildConfig({ STAGE: 'dev' })).join('\n')).toContain('REDIS_HOST');
  });
});
