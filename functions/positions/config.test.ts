import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../shared/config/env.js';
import { loadPositionsConfig } from './config.js';

const env = {
  STAGE: 'dev',
  REDIS_HOST: 'cache.internal',
  DATABASE_URL: 'postgres://localhost/riskgate',
  DLQ_URL: 'https://sqs.eu-west-1.amazonaws.com/000000000000/positions-dlq',
};

describe('Function: loadPositionsConfig', () => {
  it('keeps closed orders and event keys two days by default', () => {
    // Act
    const config = loadPositionsConfig(env);

    // Assess
    expect(config.WORKING_ORDER_RETENTION_HOURS).toBe(48);
  });

  it("refuses a retention inside Kinesis' 24 h redelivery window, naming the variable", () => {
    // Act
    const load = () => loadPositionsConfig({ ...env, WORKING_ORDER_RETENTION_HOURS: '24' });

    // Assess
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/WORKING_ORDER_RETENTION_HOURS: must exceed/);
    expect(loadPositionsConfig({ ...env, WORKING_ORDER_RETENTION_HOURS: '25' }).WORKING_ORDER_RETENTION_HOURS).toBe(25);
  });

  it('needs its dead-letter queue', () => {
    // Act
    const load = () => loadPositionsConfig({ ...env, DLQ_URL: undefined });

    // Assess
    expect(load).toThrow(/DLQ_URL/);
  });
});
