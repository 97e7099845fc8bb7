import { App, Aspects, Stack, Stage } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DeployStage, stageConfig } from './config/stages.js';
import { RdsCaBundleLayer } from './constructs/rds-ca-bundle-layer.js';
import { StateRebuild } from './constructs/state-rebuild.js';
import { AwsSolutionsChecks } from './nag.js';
import { StatefulStack } from './stacks/stateful-stack.js';
import { nagFindings } from './test-helpers.js';

/**
 * The state rebuild in a throwaway stage per deploy stage: the real StatefulStack and a
 * stack holding the construct with the RDS CA layer, cdk-nag applied as infra/stage.ts does.
 */
type Resource = { Type: string; Properties: Record<string, unknown> };
const built = new Map<DeployStage, { stack: Stack; template: Template }>();

function build(stage: DeployStage): { stack: Stack; template: Template } {
  const app = new App({ context: { account: '123456789012' } });
  const config = stageConfig(stage);
  const cdkStage = new Stage(app, `rebuild-${stage}`, { env: { account: '123456789012', region: config.region } });
  const stateful = new StatefulStack(cdkStage, 'Stateful', { stageConfig: config });
  const stack = new Stack(cdkStage, 'Jobs');
  const rdsCaLayer = new RdsCaBundleLayer(stack, 'RdsCaBundle').layer;
  new StateRebuild(stack, 'StateRebuild', { stageConfig: config, stateful, rdsCaLayer });
  stack.addDependency(stateful);
  Aspects.of(cdkStage).add(new AwsSolutionsChecks({ verbose: true }));
  app.synth();
  return { stack, template: Template.fromStack(stack) };
}

beforeAll(() => {
  for (const stage of ['dev', 'prod'] as const) built.set(stage, build(stage));
}, 240_000);

const of = (stage: DeployStage) => built.get(stage) as { stack: Stack; template: Template };
const jobFunction = (template: Template): Resource => {
  const functions = Object.entries(template.toJSON().Resources as Record<string, Resource>).filter(
    ([id, r]) => r.Type === 'AWS::Lambda::Function' && id.includes('StateRebuildJob'),
  );
  expect(functions).toHaveLength(1);
  return functions[0]?.[1] as Resource;
};
const variables = (fn: Resource) => (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;

describe('Construct: StateRebuild', () => {
  it('runs the state-rebuild handler in the app subnets with the RDS CA layer, one run at a time', () => {
    // Prepare
    const fn = jobFunction(of('prod').template);

    // Assess
    expect(fn.Properties).toMatchObject({
      Architectures: ['arm64'],
      ReservedConcurrentExecutions: 1,
      VpcConfig: expect.objectContaining({ SubnetIds: expect.any(Array), SecurityGroupIds: expect.any(Array) }),
      Layers: [expect.anything()],
    });
  });

  it('hands it both stores over TLS, IAM auth to the proxy, and the control replica acks the stage can give', () => {
    // Prepare
    const prod = variables(jobFunction(of('prod').template));
    const dev = variables(jobFunction(of('dev').template));

    // Assess: what functions/state-rebuild/config.ts requires, and production's replica rule.
    expect(prod).toMatchObject({
      STAGE: 'prod',
      REDIS_HOST: expect.anything(),
      REDIS_TLS: 'true',
      REDIS_AUTH_SECRET_ID: expect.anything(),
      DATABASE_HOST: expect.anything(),
      DATABASE_USER: expect.anything(),
      DATABASE_AUTH: 'iam',
      DATABASE_TLS: 'true',
      DATABASE_CA_FILE: '/opt/rds-ca/rds-ca-bundle.pem',
      CONTROL_MIN_REPLICA_ACKS: '1',
    });
    // Dev's cache has no replica: waiting for one would time out every control write.
    expect(dev).toMatchObject({ STAGE: 'dev', CONTROL_MIN_REPLICA_ACKS: '0' });
  });

  it('is scheduled every minute, with no EventBridge retry (the next minute is the retry)', () => {
    of('prod').template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 0 } })],
    });
  });

  it('may read the Redis token and connect to the database, and touches no stream', () => {
    // Prepare
    const policies = Object.values(
      of('prod').template.findResources('AWS::IAM::Policy', {
        Properties: { Roles: [{ Ref: Match.stringLikeRegexp('StateRebuildJobRole') }] },
      }),
    );

    // Act
    const actions = policies
      .flatMap((p) => (p.Properties.PolicyDocument.Statement as { Action: string | string[] }[]) ?? [])
      .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));

    // Assess
    expect(actions).toContain('rds-db:connect');
    expect(actions).toContain('secretsmanager:GetSecretValue');
    expect(actions.filter((a) => /^(kinesis|sqs|sns):/.test(a))).toEqual([]);
  });

  it.each(['dev', 'prod'] as const)('has no unsuppressed cdk-nag finding in %s', (stage) => {
    expect(nagFindings(of(stage).stack)).toEqual([]);
  });
});
