import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { beforeAll, describe, expect, it } from 'vitest';
import { stageConfig } from './config/stages.js';
import { INGESTER_RDS_CA_FILE, INGESTER_USER, MarketIngesterService } from './constructs/market-ingester-service.js';
import { AwsSolutionsChecks, NagSuppressions } from './nag.js';
import { nagFindings } from './test-helpers.js';

let stack: Stack;
let template: Template;

/** A throwaway stack with its own VPC, stream and secret around the construct. */
function buildStack(): Stack {
  const app = new App({ context: { account: '123456789012' } });
  const s = new Stack(app, 'IngesterTest', { env: { account: '123456789012', region: 'eu-west-1' } });
  const vpc = new ec2.Vpc(s, 'Vpc', {
    maxAzs: 2,
    subnetConfiguration: [
      { name: 'public', subnetType: ec2.SubnetType.PUBLIC },
      { name: 'app', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    ],
    flowLogs: { all: { trafficType: ec2.FlowLogTrafficType.ALL } },
  });
  const securityGroup = new ec2.SecurityGroup(s, 'IngesterSg', { vpc, allowAllOutbound: false });
  securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'Kraken and AWS APIs');
  const key = new kms.Key(s, 'Key', { enableKeyRotation: true });
  const stream = new kinesis.Stream(s, 'MarketEvents', {
    encryption: kinesis.StreamEncryption.KMS,
    encryptionKey: key,
  });
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
  new MarketIngesterService(s, 'Ingester', {
    stageConfig: stageConfig('prod'),
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    securityGroup,
    stream,
    redisUrl: 'rediss://cache.example.internal:6379',
    redisAuthSecret: secret,
    secretsKey: key,
    symbols: ['BTC/USD', 'ETH/USD', 'USDT/USD'],
    database: {
      environment: { DATABASE_HOST: 'proxy.example.internal', DATABASE_USER: 'riskgate', DATABASE_AUTH: 'iam' },
      grantConnect: (grantee) =>
        grantee.grantPrincipal.addToPrincipalPolicy(
          new iam.PolicyStatement({
            actions: ['rds-db:connect'],
            resources: ['arn:aws:rds-db:eu-west-1:123456789012:dbuser:prx-test/riskgate'],
          }),
        ),
    },
    buildVersion: 'test',
  });
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  app.synth();
  return s;
}

beforeAll(() => {
  stack = buildStack();
  template = Template.fromStack(stack);
}, 120_000);

describe('Construct: MarketIngesterService', () => {
  it('runs on Fargate arm64 as a non-root user with a read-only root file system and a /ready health check', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RequiresCompatibilities: ['FARGATE'],
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
      ContainerDefinitions: [
        Match.objectLike({
          User: INGESTER_USER,
          ReadonlyRootFilesystem: true,
          StopTimeout: 30,
          HealthCheck: Match.objectLike({
            Command: ['CMD', '/nodejs/bin/node', '/app/healthcheck.mjs'],
            StartPeriod: 60,
          }),
          Environment: Match.arrayWith([
            { Name: 'STAGE', Value: 'prod' },
            { Name: 'KRAKEN_WS_URL', Value: 'wss://ws.kraken.com/v2' },
            { Name: 'KRAKEN_SYMBOLS', Value: 'BTC/USD,ETH/USD,USDT/USD' },
            { Name: 'UNIVERSE_REFRESH_MS', Value: '60000' },
            // Kraken's instrument catalog goes to Aurora through RDS Proxy over verified TLS.
            { Name: 'AWS_REGION', Value: 'eu-west-1' },
            { Name: 'DATABASE_HOST', Value: 'proxy.example.internal' },
            { Name: 'DATABASE_AUTH', Value: 'iam' },
            { Name: 'DATABASE_CA_FILE', Value: '/app/rds-ca/rds-ca-bundle.pem' },
            { Name: 'SHUTDOWN_FLUSH_TIMEOUT_MS', Value: '20000' },
          ]),
          LogConfiguration: Match.objectLike({ LogDriver: 'awslogs' }),
        }),
      ],
    });
  });

  it('runs one task with a deployment circuit breaker that rolls back, no public IP', () => {
    template.hasResourceProperties('AWS::ECS::Service', {
      LaunchType: 'FARGATE',
      DesiredCount: 1,
      DeploymentConfiguration: Match.objectLike({
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
        MinimumHealthyPercent: 100,
      }),
      NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'DISABLED' }) },
    });
  });

  it('keeps logs with the stage retention (prod: one year, retained)', () => {
    template.hasResource('AWS::Logs::LogGroup', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ RetentionInDays: 365 }),
    });
  });

  it('lets the task role put records on its stream, read its own secret and connect to the database, nothing else', () => {
    const roles = template.findResources('AWS::IAM::Role', {
      Properties: {
        AssumeRolePolicyDocument: Match.objectLike({
          Statement: [Match.objectLike({ Principal: { Service: 'ecs-tasks.amazonaws.com' } })],
        }),
      },
    });
    const taskRoleId = Object.keys(roles).find((id) => id.includes('TaskRole'));
    expect(taskRoleId).toBeDefined();
    const policies = template.findResources('AWS::IAM::Policy');
    const statements = Object.values(policies)
      .filter((p) => JSON.stringify(p.Properties.Roles).includes(taskRoleId!))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]);
    const actions = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort();
    // Identity policy only (no key-policy edit across stacks); kms use is bound to the
    // service through kms:ViaService.
    expect(actions).toEqual([
      'kinesis:PutRecords',
      'kms:Decrypt',
      'kms:GenerateDataKey',
      'rds-db:connect',
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
    ]);
    const kinesisStatement = statements.find((s) => s.Action === 'kinesis:PutRecords');
    expect(JSON.stringify(kinesisStatement?.Resource)).toContain('MarketEvents');
    for (const s of statements) expect(JSON.stringify(s.Resource)).not.toBe('"*"');
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

describe('Dockerfile: market ingester', () => {
  const dockerfile = readFileSync(path.join(import.meta.dirname, '../functions/market-ingester/Dockerfile'), 'utf8');

  it('is multi-stage and runs the bundle as the non-root user from a distroless base', () => {
    const froms = dockerfile.split('\n').filter((line) => line.startsWith('FROM '));
    expect(froms.length).toBeGreaterThanOrEqual(2);
    expect(froms.at(-1)).toMatch(/distroless\/nodejs22-debian12:nonroot/);
    expect(dockerfile).toMatch(/^USER 65532:65532$/m);
    expect(`${INGESTER_USER}`).toBe('65532:65532');
    expect(dockerfile).toContain('/app/healthcheck.mjs');
  });

  it('builds the RDS CA bundle into the image where the task definition points DATABASE_CA_FILE', () => {
    expect(dockerfile).toContain('npx tsx layers/rds-ca-bundle/build.ts /out');
    expect(dockerfile).toMatch(/COPY --from=build --chown=65532:65532 \/out\/ \.\//);
    expect(INGESTER_RDS_CA_FILE).toBe('/app/rds-ca/rds-ca-bundle.pem');
  });
});
