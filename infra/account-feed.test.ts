import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { beforeAll, describe, expect, it } from 'vitest';
import { STAGE_CONFIGS, stageConfig } from './config/stages.js';
import {
  ACCOUNT_FEED_HEALTH_PORT,
  ACCOUNT_FEED_USER,
  AccountFeedService,
  riskApiHealthTarget,
} from './constructs/account-feed-service.js';
import { EGRESS_ALLOWED_DOMAINS } from './constructs/network.js';
import { AwsSolutionsChecks, NagSuppressions } from './nag.js';
import { nagFindings } from './test-helpers.js';

let stack: Stack;
let template: Template;
const RISK_API_URL = 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/';
const HEALTH_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/v1/health';

/** A throwaway stack with its own VPC, executions stream and Redis secret around the construct (prod: 2 shards). */
function buildStack(): Stack {
  const app = new App({ context: { account: '123456789012' } });
  const s = new Stack(app, 'AccountFeedTest', { env: { account: '123456789012', region: 'eu-west-1' } });
  const vpc = new ec2.Vpc(s, 'Vpc', {
    maxAzs: 2,
    subnetConfiguration: [
      { name: 'public', subnetType: ec2.SubnetType.PUBLIC },
      { name: 'app', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    ],
    flowLogs: { all: { trafficType: ec2.FlowLogTrafficType.ALL } },
  });
  const securityGroup = new ec2.SecurityGroup(s, 'FeedSg', { vpc, allowAllOutbound: false });
  securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'Kraken and AWS APIs');
  const key = new kms.Key(s, 'Key', { enableKeyRotation: true });
  const stream = new kinesis.Stream(s, 'Executions', { encryption: kinesis.StreamEncryption.KMS, encryptionKey: key });
  NagSuppressions.addResourceSuppressions(stream, [
    { id: 'AwsSolutions-KDS3', reason: 'Test fixture: the stateful stack decides the real stream encryption key.' },
  ]);
  const secret = new secretsmanager.Secret(s, 'RedisAuth', { encryptionKey: key });
  NagSuppressions.addResourceSuppressions(secret, [
    {
      id: 'AwsSolutions-SMG4',
      reason: 'Test fixture: the real Redis auth secret and its rotation live in the stateful stack.',
    },
  ]);
  new AccountFeedService(s, 'AccountFeed', {
    stageConfig: stageConfig('prod'),
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    securityGroup,
    stream,
    redisUrl: 'rediss://cache.example.internal:6379',
    redisAuthSecret: secret,
    dataKey: key,
    riskApi: { url: RISK_API_URL, healthInvokeArn: HEALTH_ARN },
    buildVersion: 'test',
  });
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  app.synth();
  return s;
}

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };

function taskRoleStatements(): Statement[] {
  const roles = template.findResources('AWS::IAM::Role', {
    Properties: {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'ecs-tasks.amazonaws.com' } })],
      }),
    },
  });
  const taskRoleIds = Object.keys(roles).filter((id) => id.includes('TaskRole'));
  expect(taskRoleIds).toHaveLength(1);
  const taskRoleId = taskRoleIds[0] as string;
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(taskRoleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

beforeAll(() => {
  stack = buildStack();
  template = Template.fromStack(stack);
}, 120_000);

describe('Construct: AccountFeedService', () => {
  it('runs one Fargate service of one task per shard, each told its own SHARD_INDEX', () => {
    // Assess
    const services = template.findResources('AWS::ECS::Service');
    expect(Object.keys(services)).toHaveLength(STAGE_CONFIGS.prod.accountFeed.shards);
    for (const service of Object.values(services)) {
      expect(service.Properties).toMatchObject({
        LaunchType: 'FARGATE',
        DesiredCount: 1,
        DeploymentConfiguration: {
          DeploymentCircuitBreaker: { Enable: true, Rollback: true },
          MinimumHealthyPercent: 100,
        },
        NetworkConfiguration: { AwsvpcConfiguration: { AssignPublicIp: 'DISABLED' } },
      });
    }
    const shardIndexes = Object.values(template.findResources('AWS::ECS::TaskDefinition')).map((task) => {
      const env = task.Properties.ContainerDefinitions[0].Environment as { Name: string; Value: string }[];
      return env.find((e) => e.Name === 'SHARD_INDEX')?.Value;
    });
    expect(shardIndexes.sort()).toEqual(['0', '1']);
  });

  it('runs arm64 as the non-root user, read-only root file system, health check on /ready through healthcheck.mjs', () => {
    template.resourceCountIs('AWS::ECS::TaskDefinition', 2);
    template.allResourcesProperties('AWS::ECS::TaskDefinition', {
      RequiresCompatibilities: ['FARGATE'],
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
      ContainerDefinitions: [
        Match.objectLike({
          User: ACCOUNT_FEED_USER,
          ReadonlyRootFilesystem: true,
          StopTimeout: 30,
          PortMappings: [Match.objectLike({ ContainerPort: ACCOUNT_FEED_HEALTH_PORT })],
          HealthCheck: Match.objectLike({
            Command: ['CMD', '/nodejs/bin/node', '/app/healthcheck.mjs'],
            StartPeriod: 60,
          }),
          LogConfiguration: Match.objectLike({ LogDriver: 'awslogs' }),
        }),
      ],
    });
  });

  it("passes the stage's feed settings and production Kraken URLs, no secret values", () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({
          // arrayWith keeps order: the construct's order of variables.
          Environment: Match.arrayWith([
            { Name: 'STAGE', Value: 'prod' },
            { Name: 'REDIS_URL', Value: 'rediss://cache.example.internal:6379' },
            { Name: 'KRAKEN_REST_URL', Value: 'https://api.kraken.com' },
            { Name: 'KRAKEN_WS_AUTH_URL', Value: 'wss://ws-auth.kraken.com/v2' },
            { Name: 'SHARD_COUNT', Value: '2' },
            { Name: 'DEAD_MANS_SWITCH_ACCOUNTS', Value: '*' },
            { Name: 'CANCEL_UNVETTED_ACCOUNTS', Value: '*' },
            { Name: 'HEALTH_SYMBOLS', Value: 'BTC/USD,ETH/USD' },
            { Name: 'HEALTH_PORT', Value: String(ACCOUNT_FEED_HEALTH_PORT) },
          ]),
        }),
      ],
    });
    const env = JSON.stringify(template.findResources('AWS::ECS::TaskDefinition'));
    expect(env).not.toMatch(/api_secret|apiSecret|password/i);
  });

  it('lets the task role read only the Kraken key secrets of its stage (and the Redis token) and write only executions', () => {
    // Prepare
    const statements = taskRoleStatements();

    // Assess
    expect(statements.flatMap(actionsOf).sort()).toEqual([
      'execute-api:Invoke',
      'kinesis:PutRecords',
      'kms:Decrypt',
      'kms:GenerateDataKey',
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'secretsmanager:ListSecrets',
    ]);
    const reads = statements.find((s) => actionsOf(s).includes('secretsmanager:GetSecretValue'));
    const readTargets = JSON.stringify(reads?.Resource);
    expect(readTargets).toContain(':secret:risk-gate/prod/kraken/*');
    expect(readTargets).toContain('RedisAuth');
    expect(readTargets).not.toContain('risk-gate/dev');
    const writes = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('kinesis:')));
    expect(writes).toHaveLength(1);
    expect(JSON.stringify(writes[0]?.Resource)).toContain('Executions');
    // Only ListSecrets (no resource-level permission exists) may name every resource.
    for (const s of statements.filter((st) => JSON.stringify(st.Resource) === '"*"')) {
      expect(actionsOf(s)).toEqual(['secretsmanager:ListSecrets']);
    }
    for (const s of statements.filter((st) => actionsOf(st).some((a) => a.startsWith('kms:')))) {
      expect(JSON.stringify(s.Condition)).toContain('kms:ViaService');
    }
  });

  it("may invoke only the risk API's health route, and is told where the API is", () => {
    // Prepare
    const invokes = taskRoleStatements().filter((s) => actionsOf(s).includes('execute-api:Invoke'));
    const api = new apigw.RestApi(new Stack(new App(), 'Api', { env: { region: 'eu-west-1' } }), 'Api', {
      deployOptions: { stageName: 'prod' },
    });
    api.root.addMethod('GET');
    const target = riskApiHealthTarget(api);

    // Assess
    expect(invokes).toEqual([expect.objectContaining({ Action: 'execute-api:Invoke', Resource: HEALTH_ARN })]);
    template.allResourcesProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({ Environment: Match.arrayWith([{ Name: 'RISK_API_URL', Value: RISK_API_URL }]) }),
      ],
    });
    // `<api id>/<the deployed stage>/GET/v1/health`: no method or path wildcard.
    const arn = JSON.stringify(Stack.of(api).resolve(target.healthInvokeArn));
    expect(arn).toContain(':execute-api:');
    expect(arn).toMatch(/DeploymentStageprod[0-9A-F]+"\},"\/GET\/v1\/health"\]/);
    expect(arn).not.toContain('*');
    expect(JSON.stringify(Stack.of(api).resolve(target.url))).toContain('.execute-api.');
    // Reached on its regional name through NAT: the DNS firewall must resolve it.
    const host = 'abc123.execute-api.eu-west-1.amazonaws.com';
    expect(EGRESS_ALLOWED_DOMAINS.some((d) => d === host || (d.startsWith('*.') && host.endsWith(d.slice(1))))).toBe(
      true,
    );
  });

  it('keeps logs with the stage retention (prod: one year, retained)', () => {
    template.hasResource('AWS::Logs::LogGroup', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ RetentionInDays: 365 }),
    });
  });

  it('passes cdk-nag AwsSolutionsChecks, every suppression with a written reason', () => {
    expect(nagFindings(stack)).toEqual([]);
    const resources = template.toJSON().Resources as Record<string, { Metadata?: Record<string, unknown> }>;
    for (const [logicalId, resource] of Object.entries(resources)) {
      const rules = (resource.Metadata?.cdk_nag as { rules_to_suppress?: { id: string; reason?: string }[] })
        ?.rules_to_suppress;
      for (const rule of rules ?? [])
        expect(rule.reason?.length ?? 0, `${logicalId} ${rule.id}`).toBeGreaterThanOrEqual(20);
    }
  });
});

describe('Function: stageConfig account feed guardrails', () => {
  const prod = STAGE_CONFIGS.prod;

  it('refuses a shard count ECS cannot run or the feed cannot split by', () => {
    expect(() => stageConfig('prod', { accountFeed: { ...prod.accountFeed, shards: 0 } })).toThrow(
      /accountFeed\.shards/,
    );
  });

  it('refuses health pairs the ingester does not subscribe (the switch would never be armed)', () => {
    expect(() => stageConfig('prod', { accountFeed: { ...prod.accountFeed, healthSymbols: ['DOGE/USD'] } })).toThrow(
      /accountFeed\.healthSymbols.*DOGE\/USD/,
    );
  });

  it('refuses account selections the feed could not parse', () => {
    expect(() =>
      stageConfig('prod', { accountFeed: { ...prod.accountFeed, cancelUnvettedAccounts: ['ok', 'not ok'] } }),
    ).toThrow(/accountFeed\.cancelUnvettedAccounts/);
  });
});

describe('Dockerfile: account feed', () => {
  const dockerfile = readFileSync(path.join(import.meta.dirname, '../functions/account-feed/Dockerfile'), 'utf8');

  it('is multi-stage and runs the bundle as the non-root user from a distroless base, health check on the feed port', () => {
    const froms = dockerfile.split('\n').filter((line) => line.startsWith('FROM '));
    expect(froms.length).toBeGreaterThanOrEqual(2);
    expect(froms.at(-1)).toMatch(/distroless\/nodejs22-debian12:nonroot/);
    expect(dockerfile).toMatch(new RegExp(`^USER ${ACCOUNT_FEED_USER}$`, 'm'));
    expect(dockerfile).toContain('/app/healthcheck.mjs');
    expect(dockerfile).toContain(`HEALTH_PORT=${ACCOUNT_FEED_HEALTH_PORT}`);
  });
});
