import { App, Aspects, Stack, Stage } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { databaseLoginUser } from '../shared/names.js';
import { STAGE_CONFIGS, stageConfig } from './config/stages.js';
import { Evaluators } from './constructs/evaluators.js';
import { AwsSolutionsChecks } from './nag.js';
import { StatefulStack } from './stacks/stateful-stack.js';
import { nagFindings } from './test-helpers.js';

/**
 * The Evaluators construct in a throwaway prod stage: the real StatefulStack and a stack
 * holding only this construct, with cdk-nag applied as infra/stage.ts applies it.
 */
let stack: Stack;
let template: Template;
type Resource = { Type: string; Properties: Record<string, unknown> };
let resources: Record<string, Resource>;

beforeAll(() => {
  const app = new App({ context: { account: '123456789012' } });
  const config = stageConfig('prod');
  const stage = new Stage(app, 'evaluators-prod', { env: { account: '123456789012', region: config.region } });
  const stateful = new StatefulStack(stage, 'Stateful', { stageConfig: config });
  stack = new Stack(stage, 'Evaluators');
  new Evaluators(stack, 'Evaluators', { stageConfig: config, stateful });
  stack.addDependency(stateful);
  Aspects.of(stage).add(new AwsSolutionsChecks({ verbose: true }));
  app.synth();
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources as Record<string, Resource>;
}, 120_000);

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

describe('Construct: Evaluators (prod)', () => {
  it('maps both Kinesis streams with partial batch responses, bisection, bounded retries and an SQS on-failure destination', () => {
    const mappings = ofType('AWS::Lambda::EventSourceMapping');
    expect(mappings).toHaveLength(2);
    const prod = STAGE_CONFIGS.prod.evaluators;
    for (const [, mapping] of mappings) {
      expect(mapping.Properties).toMatchObject({
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BisectBatchOnFunctionError: true,
        StartingPosition: 'TRIM_HORIZON',
        DestinationConfig: { OnFailure: { Destination: expect.anything() } },
      });
      const destination = JSON.stringify((mapping.Properties.DestinationConfig as { OnFailure: unknown }).OnFailure);
      expect(destination).toMatch(/Dlq.*Arn/);
    }
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: prod.marketEvaluator.batchSize,
      MaximumBatchingWindowInSeconds: prod.marketEvaluator.maxBatchingWindowSeconds,
      ParallelizationFactor: prod.marketEvaluator.parallelizationFactor,
      MaximumRetryAttempts: prod.marketEvaluator.retryAttempts,
      MaximumRecordAgeInSeconds: prod.marketEvaluator.maxRecordAgeHours * 3600,
      EventSourceArn: Match.objectLike({ 'Fn::ImportValue': Match.stringLikeRegexp('MarketEvents') }),
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: prod.positions.batchSize,
      MaximumRetryAttempts: prod.positions.retryAttempts,
      EventSourceArn: Match.objectLike({ 'Fn::ImportValue': Match.stringLikeRegexp('Executions') }),
    });
  });

  it('encrypts the DLQs with the stage key and refuses non-TLS access to them', () => {
    const queues = ofType('AWS::SQS::Queue');
    expect(queues).toHaveLength(2);
    for (const [, queue] of queues) {
      expect(queue.Properties).toMatchObject({
        KmsMasterKeyId: { 'Fn::ImportValue': expect.stringMatching(/DataKey/) },
        MessageRetentionPeriod: 14 * 24 * 3600,
      });
    }
    template.resourcePropertiesCountIs(
      'AWS::SQS::QueuePolicy',
      {
        PolicyDocument: Match.objectLike({
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        }),
      },
      2,
    );
  });

  it('runs reference prices every minute and the universe daily, one run at a time', () => {
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)' });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'cron(5 0 * * ? *)' });
    const scheduled = ofType('AWS::Lambda::Function').filter(([id]) => /ReferencePrices|Universe/.test(id));
    expect(scheduled).toHaveLength(2);
    for (const [, fn] of scheduled) expect(fn.Properties.ReservedConcurrentExecutions).toBe(1);
  });

  it('makes the control writers (market evaluator, reference prices) wait for a replica, as prod requires at cold start', () => {
    // Prepare
    const variables = (pattern: RegExp) =>
      ofType('AWS::Lambda::Function')
        .filter(([id]) => pattern.test(id))
        .map(([, fn]) => (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables);

    // Assess: functions/*/config.ts refuses CONTROL_MIN_REPLICA_ACKS < 1 when STAGE=prod.
    const writers = variables(/MarketEvaluator|ReferencePrices/);
    expect(writers).toHaveLength(2);
    for (const env of writers) expect(env.CONTROL_MIN_REPLICA_ACKS).toBe('1');
    for (const env of variables(/Positions|Universe/)) expect(env).not.toHaveProperty('CONTROL_MIN_REPLICA_ACKS');
  });

  it('puts every function in the VPC; only the CoinGecko callers get the external-API security group', () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions).toHaveLength(4);
    for (const [id, fn] of functions) {
      const groups = (fn.Properties.VpcConfig as { SecurityGroupIds: unknown[] }).SecurityGroupIds;
      expect(groups, id).toHaveLength(/ReferencePrices|Universe/.test(id) ? 2 : 1);
      const env = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(env).toMatchObject({ REDIS_TLS: 'true', DATABASE_TLS: 'true', DATABASE_AUTH: 'iam', STAGE: 'prod' });
    }
  });

  it('grants least privilege: no wildcard actions, stream reads on one stream each, secrets through identity policy', () => {
    type Statement = { id: string; Action?: unknown; Resource?: unknown };
    const statements: Statement[] = ofType('AWS::IAM::Policy').flatMap(([id, p]) =>
      ((p.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement ?? []).map((s) => ({
        ...s,
        id,
      })),
    );
    for (const statement of statements) {
      const actions = [statement.Action].flat() as string[];
      expect(
        actions.some((a) => a === '*' || a.endsWith(':*')),
        JSON.stringify(statement),
      ).toBe(false);
    }
    const kinesisReads = statements.filter((s) => ([s.Action].flat() as string[]).includes('kinesis:GetRecords'));
    expect(kinesisReads).toHaveLength(2);
    expect(kinesisReads.map((s) => JSON.stringify(s.Resource)).join()).toMatch(
      /MarketEvents.*Executions|Executions.*MarketEvents/,
    );
    const coingecko = statements.filter((s) => JSON.stringify(s.Resource).includes('CoinGecko'));
    expect(new Set(coingecko.map((s) => s.id.replace(/RoleDefaultPolicy.*/, ''))).size).toBe(2);
    const sends = statements.filter((s) => ([s.Action].flat() as string[]).includes('sqs:SendMessage'));
    expect(sends.every((s) => !JSON.stringify(s.Resource).includes('*'))).toBe(true);
  });

  it('connects each function as its own unit database user, and its role may sign in as that user only', () => {
    // Prepare
    const users = Object.fromEntries(
      (['marketEvaluator', 'positions', 'referencePrices', 'universe'] as const).map((u) => [u, databaseLoginUser(u)]),
    );
    const functions = ofType('AWS::Lambda::Function').filter(([id]) => !id.startsWith('LogRetention'));

    // Assess
    const seen: string[] = [];
    for (const [, fn] of functions) {
      const env = (fn.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables;
      const user = env?.DATABASE_USER as string | undefined;
      if (!user) continue;
      seen.push(user);
      const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      const connectTo = ofType('AWS::IAM::Policy')
        .filter(([, p]) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
        .flatMap(
          ([, p]) => (p.Properties.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] }).Statement,
        )
        .filter((st) => st.Action === 'rds-db:connect')
        .map((st) => JSON.stringify(st.Resource));
      expect(connectTo, user).toHaveLength(1);
      expect(connectTo[0]).toContain(`/${user}"`);
    }
    expect(seen.sort()).toEqual(Object.values(users).sort());
  });

  it('has no unsuppressed cdk-nag findings, and every suppression gives a reason', () => {
    expect(nagFindings(stack)).toEqual([]);
    const suppressions = Object.values(
      template.toJSON().Resources as Record<
        string,
        { Metadata?: { cdk_nag?: { rules_to_suppress?: { reason: string }[] } } }
      >,
    ).flatMap((r) => r.Metadata?.cdk_nag?.rules_to_suppress ?? []);
    expect(suppressions.length).toBeGreaterThan(0);
    for (const s of suppressions) expect(s.reason.length).toBeGreaterThan(20);
  });
});
