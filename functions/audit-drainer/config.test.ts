import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../shared/config/env.js';
import { drainSettingsFrom, loadAuditDrainerConfig } from './config.js';

const storeEnv = { STAGE: 'dev', REDIS_HOST: 'cache.internal', DATABASE_URL: 'postgres://localhost/riskgate' };

describe('Function: loadAuditDrainerConfig', () => {
  it('applies the defaults the Lambda has always drained with', () => {
    // Act
    const config = loadAuditDrainerConfig(storeEnv);

    // Assess
    expect(drainSettingsFrom(config)).toEqual({
      batchSize: 500,
      maxBatches: 20,
      safetyMarginMs: 5_000,
      idleSleepMs: 250,
      failureBackoffMs: 1_000,
    });
  });

  it('stops on a bad value, naming the variable', () => {
    // Act
    const load = () => loadAuditDrainerConfig({ ...storeEnv, AUDIT_DRAIN_BATCH_SIZE: '0' });

    // Assess
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/AUDIT_DRAIN_BATCH_SIZE/);
  });

  it('needs the stores it drains between', () => {
    // Act
    const load = () => loadAuditDrainerConfig({ STAGE: 'dev' });

    // Assess
    expect(load).toThrow(/REDIS_HOST: required/);
    expect(load).toThrow(/DATABASE_HOST: required/);
  });
});
