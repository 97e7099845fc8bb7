import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../shared/config/env.js';
import { loadPartitionMaintenanceConfig, PROD_MIN_DECISION_RETENTION_DAYS } from './config.js';

const local = { STAGE: 'local', DATABASE_URL: 'postgres://riskgate@127.0.0.1:5432/riskgate', DATABASE_TLS: 'false' };
const prod = {
  STAGE: 'prod',
  DATABASE_HOST: 'proxy.example.internal',
  DATABASE_USER: 'riskgate',
  AWS_REGION: 'eu-west-1',
};

describe('Function: loadPartitionMaintenanceConfig', () => {
  it('defaults to fourteen days ahead and the production retention of every table', () => {
    // Act
    const config = loadPartitionMaintenanceConfig(local);

    // Assess
    expect(config).toMatchObject({
      PARTITION_DAYS_AHEAD: 14,
      RETENTION_RISK_DECISIONS_DAYS: PROD_MIN_DECISION_RETENTION_DAYS,
      RETENTION_MARKET_TICKS_DAYS: 90,
      RETENTION_MARKET_BARS_DAYS: 730,
      DATABASE_STATEMENT_TIMEOUT_MS: 120_000,
    });
  });

  it('lets a stage below production keep the audit for less', () => {
    expect(
      loadPartitionMaintenanceConfig({ ...local, STAGE: 'dev', RETENTION_RISK_DECISIONS_DAYS: '30' }),
    ).toMatchObject({ RETENTION_RISK_DECISIONS_DAYS: 30 });
  });

  it('refuses in production a decision retention shorter than the seven years the docs promise', () => {
    expect(() => loadPartitionMaintenanceConfig({ ...prod, RETENTION_RISK_DECISIONS_DAYS: '365' })).toThrow(
      /RETENTION_RISK_DECISIONS_DAYS: is refused below 2557 when STAGE=prod/,
    );
    expect(loadPartitionMaintenanceConfig(prod).RETENTION_RISK_DECISIONS_DAYS).toBe(2557);
  });

  it('names the variable of a retention that would drop today or yesterday, or of a bad number', () => {
    // Act
    const problems = (() => {
      try {
        loadPartitionMaintenanceConfig({ ...local, RETENTION_MARKET_TICKS_DAYS: '1', PARTITION_DAYS_AHEAD: 'soon' });
        return [];
      } catch (error) {
        return error instanceof ConfigError ? error.problems : [String(error)];
      }
    })();

    // Assess
    expect(problems).toEqual([
      expect.stringMatching(/^PARTITION_DAYS_AHEAD: /),
      expect.stringMatching(/^RETENTION_MARKET_TICKS_DAYS: at least 2 days/),
    ]);
  });

  it('needs a database to reach', () => {
    expect(() => loadPartitionMaintenanceConfig({ STAGE: 'dev' })).toThrow(/DATABASE_HOST: required/);
  });
});
