import type { App } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEPLOY_STAGES, STAGE_CONFIGS, stageConfig } from './config/stages.js';
import { nagFindings, stacksOf, stageOf, synthApp, templateOf } from './test-helpers.js';

let app: App;

beforeAll(() => {
  app = synthApp();
}, 120_000);

describe('CDK app', () => {
  it('builds every stage, each split into a stateful and a stateless stack', () => {
    for (const stage of DEPLOY_STAGES) {
      const built = stageOf(app, stage);
      expect(built.stateful.stackName).toContain('Stateful');
      expect(built.stateless.stackName).toContain('Stateless');
    }
  });

  it('passes cdk-nag AwsSolutionsChecks on every stack with no unsuppressed finding', () => {
    const stacks = stacksOf(app);
    expect(stacks.length).toBe(DEPLOY_STAGES.length * 2);
    const findings = stacks.flatMap((stack) => nagFindings(stack));
    expect(findings).toEqual([]);
  });

  it('gives every cdk-nag suppression a written reason', () => {
    for (const stack of stacksOf(app)) {
      const resources = templateOf(stack).toJSON().Resources as Record<string, { Metadata?: Record<string, unknown> }>;
      for (const [logicalId, resource] of Object.entries(resources)) {
        const rules = (resource.Metadata?.cdk_nag as { rules_to_suppress?: { id: string; reason?: string }[] })
          ?.rules_to_suppress;
        for (const rule of rules ?? []) {
          expect(rule.reason?.length ?? 0, `${stack.stackName}/${logicalId} ${rule.id}`).toBeGreaterThanOrEqual(20);
        }
      }
    }
  });

  it('deploys the health function as the house Lambda: Node 22, arm64, X-Ray, source maps, own log group', () => {
    const template = templateOf(stageOf(app, 'prod').stateless);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: Match.objectLike({ LogFormat: 'JSON', LogGroup: Match.anyValue() }),
      Environment: {
        Variables: Match.objectLike({
          STAGE: 'prod',
          SIMULATION_MODE: 'false',
          ALLOW_INSECURE_DEFAULTS: 'false',
          NODE_OPTIONS: '--enable-source-maps',
        }),
      },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
    template.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain' });
  });

  it('never attaches the account-wide AWSLambdaBasicExecutionRole', () => {
    for (const stack of stacksOf(app)) {
      const roles = templateOf(stack).findResources('AWS::IAM::Role');
      expect(JSON.stringify(roles)).not.toContain('AWSLambdaBasicExecutionRole');
    }
  });

  it('lets dev throw its log groups away but keeps staging and prod data', () => {
    templateOf(stageOf(app, 'dev').stateful).hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
    templateOf(stageOf(app, 'staging').stateful).hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
    templateOf(stageOf(app, 'prod').stateful).hasResource('AWS::KMS::Key', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ EnableKeyRotation: true }),
    });
  });
});

describe('Function: stageConfig', () => {
  it('refuses a prod config with simulation mode on, naming the setting', () => {
    expect(() =>
      stageConfig('prod', {
        runtime: { ...STAGE_CONFIGS.prod.runtime, SIMULATION_MODE: 'true' },
      }),
    ).toThrow(/SIMULATION_MODE=true is refused when STAGE=prod/);
  });

  it('refuses a prod config with insecure defaults allowed, naming the setting', () => {
    expect(() =>
      stageConfig('prod', {
        runtime: { ...STAGE_CONFIGS.prod.runtime, ALLOW_INSECURE_DEFAULTS: 'true' },
      }),
    ).toThrow(/ALLOW_INSECURE_DEFAULTS=true is refused when STAGE=prod/);
  });

  it('refuses an unknown stage', () => {
    expect(() => stageConfig('production')).toThrow(/unknown stage "production"/);
  });
});
