import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { stageConfig } from './config/stages.js';
import { checkTemplates, runPreflight } from './preflight.js';

describe('Preflight', () => {
  it('passes the real prod config and templates', () => {
    const result = runPreflight('prod');
    expect(result.problems).toEqual([]);
    expect(result.checks).toBeGreaterThan(20);
  }, 120_000);

  it('refuses prod with simulation mode on, naming the setting', () => {
    const result = runPreflight('prod', { SIMULATION_MODE: 'true' });
    expect(result.problems).toEqual([expect.stringMatching(/^SIMULATION_MODE=true is refused when STAGE=prod/)]);
  });

  it('refuses prod with insecure defaults allowed', () => {
    expect(runPreflight('prod', { ALLOW_INSECURE_DEFAULTS: 'true' }).problems[0]).toMatch(
      /^ALLOW_INSECURE_DEFAULTS=true/,
    );
  });

  it('finds a prod database without deletion protection or retention in a template', () => {
    const resources = {
      Db: {
        Type: 'AWS::RDS::DBCluster',
        DeletionPolicy: 'Delete',
        Properties: { StorageEncrypted: true, BackupRetentionPeriod: 1, DeletionProtection: false },
      },
      Fn: {
        Type: 'AWS::Lambda::Function',
        Properties: { Environment: { Variables: { STAGE: 'prod', REDIS_TLS: 'false' } } },
      },
    };
    const { problems } = checkTemplates(resources, stageConfig('prod'));
    expect(problems).toEqual(
      expect.arrayContaining([
        'Db: Aurora backup retention below 7 days',
        'Db: Aurora deletion protection is off in prod',
        'Db: Aurora is not retained on stack deletion',
        'prod Aurora needs a writer and at least one reader',
        'Fn: a store connection without TLS',
      ]),
    );
  });

  it('exits non-zero from the command line when refused', () => {
    let status = 0;
    let stderr = '';
    try {
      execFileSync('npx', ['tsx', 'scripts/preflight.ts', '--stage', 'prod', '--set', 'SIMULATION_MODE=true'], {
        encoding: 'utf8',
        stdio: 'pipe',
      });
    } catch (error) {
      status = (error as { status: number }).status;
      stderr = (error as { stderr: string }).stderr;
    }
    expect(status).toBe(1);
    expect(stderr).toContain('SIMULATION_MODE=true is refused when STAGE=prod');
  }, 60_000);
});
