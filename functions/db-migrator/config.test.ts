import { describe, expect, it } from 'vitest';
import { migratorConfigSchema } from './config.js';

const aws = {
  DATABASE_HOST: 'proxy.example.internal',
  DATABASE_USER: 'riskgate_admin',
  AWS_REGION: 'eu-west-1',
};
const retention = {
  RETENTION_RISK_DECISIONS_DAYS: '2557',
  RETENTION_MARKET_TICKS_DAYS: '90',
  RETENTION_MARKET_BARS_DAYS: '730',
};

describe('Function: migratorConfigSchema', () => {
  it('takes the stage retention that raises the partition drop floors', () => {
    const config = migratorConfigSchema.parse({ STAGE: 'prod', ...aws, ...retention });
    expect([
      config.RETENTION_RISK_DECISIONS_DAYS,
      config.RETENTION_MARKET_TICKS_DAYS,
      config.RETENTION_MARKET_BARS_DAYS,
    ]).toEqual([2557, 90, 730]);
  });

  it('refuses a prod migrator without the retention, naming the setting', () => {
    const result = migratorConfigSchema.safeParse({ STAGE: 'prod', ...aws });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toMatch(/RETENTION_RISK_DECISIONS_DAYS.*required when STAGE=prod/);
  });

  it('refuses part of the retention: all three or none', () => {
    const result = migratorConfigSchema.safeParse({ STAGE: 'dev', ...aws, RETENTION_MARKET_TICKS_DAYS: '7' });
    expect(JSON.stringify(result.error?.issues)).toMatch(/all three/);
    expect(migratorConfigSchema.safeParse({ STAGE: 'dev', ...aws }).success).toBe(true);
  });
});
