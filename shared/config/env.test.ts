import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  baseConfigSchema,
  baseConfigShape,
  booleanFlag,
  boundaryMinutes,
  ConfigError,
  parseConfig,
  productionGuardViolations,
} from './env.js';

const withTls = z.object({ ...baseConfigShape, REDIS_TLS: booleanFlag, DATABASE_TLS: booleanFlag });

function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('Function: parseConfig', () => {
  it('defaults simulation and insecure defaults to off', () => {
    const config = parseConfig(baseConfigSchema, { STAGE: 'prod' });
    expect(config).toMatchObject({ STAGE: 'prod', SIMULATION_MODE: false, ALLOW_INSECURE_DEFAULTS: false });
  });

  it('refuses simulation mode in production, naming the setting', () => {
    const problems = problemsOf(() => parseConfig(baseConfigSchema, { STAGE: 'prod', SIMULATION_MODE: 'true' }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^SIMULATION_MODE=true is refused when STAGE=prod/);
  });

  it('refuses an allow-insecure-defaults switch in production, naming the setting', () => {
    const problems = problemsOf(() => parseConfig(baseConfigSchema, { STAGE: 'prod', ALLOW_INSECURE_DEFAULTS: '1' }));
    expect(problems[0]).toMatch(/^ALLOW_INSECURE_DEFAULTS=true is refused when STAGE=prod/);
  });

  it('refuses plaintext store connections in production and lists every problem at once', () => {
    const problems = problemsOf(() =>
      parseConfig(withTls, { STAGE: 'prod', SIMULATION_MODE: 'true', REDIS_TLS: 'false', DATABASE_TLS: 'false' }),
    );
    expect(problems.map((p) => p.split('=')[0])).toEqual(['SIMULATION_MODE', 'REDIS_TLS', 'DATABASE_TLS']);
  });

  it.each(['local', 'dev', 'staging'])('allows simulation and insecure local settings on stage %s', (stage) => {
    const config = parseConfig(withTls, {
      STAGE: stage,
      SIMULATION_MODE: 'true',
      ALLOW_INSECURE_DEFAULTS: 'true',
      REDIS_TLS: 'false',
      DATABASE_TLS: 'false',
    });
    expect(config.SIMULATION_MODE).toBe(true);
  });

  it('names a missing or malformed variable', () => {
    expect(problemsOf(() => parseConfig(baseConfigSchema, {}))[0]).toMatch(/^STAGE: /);
    expect(problemsOf(() => parseConfig(baseConfigSchema, { STAGE: 'prod', SIMULATION_MODE: 'yes' }))[0]).toMatch(
      /^SIMULATION_MODE: must be "true" or "false"/,
    );
    expect(problemsOf(() => parseConfig(baseConfigSchema, { STAGE: 'production' }))[0]).toMatch(/^STAGE: /);
  });

  it('reads the trading-day boundary as HH:MM UTC (midnight by default) and refuses anything else', () => {
    expect(parseConfig(baseConfigSchema, { STAGE: 'prod' }).TRADING_DAY_BOUNDARY_UTC).toBe('00:00');
    const config = parseConfig(baseConfigSchema, { STAGE: 'prod', TRADING_DAY_BOUNDARY_UTC: '22:30' });
    expect(boundaryMinutes(config.TRADING_DAY_BOUNDARY_UTC)).toBe(22 * 60 + 30);
    for (const bad of ['24:00', '7:00', '22:60', '22.00']) {
      expect(
        problemsOf(() => parseConfig(baseConfigSchema, { STAGE: 'prod', TRADING_DAY_BOUNDARY_UTC: bad }))[0],
      ).toMatch(/^TRADING_DAY_BOUNDARY_UTC: HH:MM \(UTC\)/);
    }
  });
});

describe('Function: productionGuardViolations', () => {
  it('has nothing to say about a safe production config', () => {
    expect(
      productionGuardViolations({ STAGE: 'prod', SIMULATION_MODE: false, REDIS_TLS: true, RISK_STATE: 'redis' }),
    ).toEqual([]);
  });

  it('refuses in-memory risk state in production', () => {
    expect(productionGuardViolations({ STAGE: 'prod', RISK_STATE: 'memory' })[0]).toMatch(/^RISK_STATE=memory/);
  });
});
