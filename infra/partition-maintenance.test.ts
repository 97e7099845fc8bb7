import { App, Aspects, Stack, Stage } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DeployStage, STAGE_CONFIGS, stageConfig } from './config/stages.js';
import { Observability } from './constructs/observability.js';
import { PartitionMaintenance } from './constructs/partition-maintenance.js';
import { AwsSolutionsChecks, NagSuppressions } from './nag.js';
import { StatefulStack } from './stacks/stateful-stack.js';
import { nagFindings } from './test-helpers.js';

/**
 * The partition-maintenance job in a throwaway stage per deploy stage: the real
 * StatefulStack and a stack holding the construct and the stage's alarms, with cdk-nag
 * applied as infra/stage.ts applies it.
 */
type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] };
const built = new Map<DeployStage, { stack: Stack; template: Template }>();

function build(stage: DeployStage): { stack: Stack; template: Template } {
  const app = new App({ context: { account: '123456789012' } });
  const config = stageConfig(stage);
  const cdkStage = new Stage(app, `partitions-${stage}`, { env: { account: '123456789012', region: config.region } });
  const stateful = new StatefulStack(cdkStage, 'Stateful', { stageConfig: config });
  const stack = new Stack(cdkStage, 'Jobs');
  const job = new PartitionMaintenance(stack, 'PartitionMaintenance', { stageConfig: config, stateful });
  const topic = new sns.Topic(stack, 'Alarms', { enforceSSL: true });
  NagSuppressions.addResourceSuppressions(topic, [
    {
      id: 'AwsSolutions-SNS2',
      reason: 'Test fixture: the real alarm topic and its key live in the controls construct.',
    },
  ]);
  job.alarmOnErrors(topic);
  new Observability(stack, 'Observability', { stageConfig: config, alarmTopic: topic });
  stack.addDependency(stateful);
  Aspects.of(cdkStage).add(new AwsSolutionsChecks({ verbose: true }));
  app.synth();
  return { stack, template: Template.fromStack(stack) };
}

beforeAll(() => {
  for (const stage of ['dev', 'prod'] as const) built.set(stage, build(stage));
}, 240_000);

const prod = () => built.get('prod') as { stack: Stack; template: Template };
const jobFunction = (template: Template) => {
  const functions = Object.entries(template.toJSON().Resources as Record<string, Resource>).filter(
    ([id, r]) => r.Type === 'AWS::Lambda::Function' && id.includes('PartitionMaintenanceJob'),
  );
  expect(functions).toHaveLength(1);
  return functions[0]?.[1] as Resource;
};

describe('Construct: PartitionMaintenance', () => {
  it('runs the partition-maintenance handler in the app subnets with the RDS settings, one at a time, 5 min, 256 MB', () => {
    const fn = jobFunction(prod().template);
    expect(fn.Properties).toMatchObject({
      Architectures: ['arm64'],
      MemorySize: 256,
      Timeout: 300,
      ReservedConcurrentExecutions: 1,
      VpcConfig: expect.objectContaining({ SubnetIds: expect.any(Array) }),
    });
    const env = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env).toMatchObject({
      STAGE: 'prod',
      DATABASE_AUTH: 'iam',
      DATABASE_TLS: 'true',
      PARTITION_DAYS_AHEAD: '14',
      PARTITION_LOCK_TIMEOUT_MS: '5000',
    });
    // Database only: no Redis settings, nothing that reaches the internet.
    expect(Object.keys(env).filter((k) => k.startsWith('REDIS_'))).toEqual([]);
  });

  it.each([
    [
      'dev',
      { RETENTION_RISK_DECISIONS_DAYS: '30', RETENTION_MARKET_TICKS_DAYS: '7', RETENTION_MARKET_BARS_DAYS: '30' },
    ],
    [
      'prod',
      { RETENTION_RISK_DECISIONS_DAYS: '2557', RETENTION_MARKET_TICKS_DAYS: '90', RETENTION_MARKET_BARS_DAYS: '730' },
    ],
  ] as const)('applies the %s retention of infra/config/stages.ts', (stage, retention) => {
    const env = (
      jobFunction(built.get(stage)?.template as Template).Properties.Environment as {
        Variables: Record<string, unknown>;
      }
    ).Variables;
    expect(env).toMatchObject(retention);
    expect(STAGE_CONFIGS[stage].retention.riskDecisionsDays).toBe(Number(retention.RETENTION_RISK_DECISIONS_DAYS));
  });

  it('is scheduled daily at 03:15 UTC with two EventBridge retries', () => {
    prod().template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(15 3 * * ? *)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 2 } })],
    });
  });

  it('may connect to the database and nothing else of the stage (no secrets, no streams)', () => {
    const policies = Object.values(
      prod().template.findResources('AWS::IAM::Policy', {
        Properties: { Roles: [{ Ref: Match.stringLikeRegexp('PartitionMaintenanceJobRole') }] },
      }),
    );
    const actions = policies
      .flatMap((p) => (p.Properties.PolicyDocument.Statement as { Action: string | string[] }[]) ?? [])
      .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    expect(actions).toContain('rds-db:connect');
    expect(actions.filter((a) => /^(secretsmanager|kinesis|kms|sqs|sns):/.test(a))).toEqual([]);
  });

  it('alarms on a failed run, on rows in DEFAULT and on fewer than 7 days ahead (silence pages), each with its runbook', () => {
    const { template } = prod();
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmDescription: Match.stringLikeRegexp('docs/runbooks/alarms/PartitionMaintenanceErrors.md'),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'PartitionRowsInDefault',
      Statistic: 'Maximum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmDescription: Match.stringLikeRegexp('docs/runbooks/alarms/PartitionRowsInDefault.md'),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'PartitionDaysAhead',
      Statistic: 'Minimum',
      Threshold: 7,
      Period: 86_400,
      EvaluationPeriods: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      AlarmDescription: Match.stringLikeRegexp('docs/runbooks/alarms/PartitionDaysAhead.md'),
    });
  });

  it('passes cdk-nag AwsSolutionsChecks', () => {
    expect(nagFindings(prod().stack)).toEqual([]);
  });
});
