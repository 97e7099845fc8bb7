import { App, Aspects, type Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_ROLES, type DatabaseUnit, databaseLoginUser, krakenKeySecretName } from '../shared/names.js';
import { DEPLOY_STAGES, type DeployStage, STAGE_CONFIGS, type StageConfig, stageConfig } from './config/stages.js';
import { EGRESS_ALLOWED_DOMAINS } from './constructs/network.js';
import { AwsSolutionsChecks } from './nag.js';
import { StatefulStack } from './stacks/stateful-stack.js';

/**
 * The stateful stack of every stage, synthesised on its own (no function bundling, so this
 * file stays fast) with cdk-nag applied exactly as infra/stage.ts applies it.
 */
type Resource = { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string; Metadata?: unknown };

interface Built {
  stack: StatefulStack;
  template: Template;
  resources: Record<string, Resource>;
}

function build(config: StageConfig, withGrantee = false): Built {
  const app = new App();
  const stack = new StatefulStack(app, `risk-gate-${config.stage}-Stateful`, {
    stageConfig: config,
    env: { account: '123456789012', region: config.region },
  });
  if (withGrantee) {
    const role = new iam.Role(stack, 'ProbeRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    stack.grantReadKrakenKeys(role);
    stack.grantDatabaseConnect(role, 'riskApi');
  }
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  app.synth();
  const template = Template.fromStack(stack);
  return { stack, template, resources: template.toJSON().Resources as Record<string, Resource> };
}

function nagFindings(stack: Stack): string[] {
  const annotations = Annotations.fromStack(stack);
  const pattern = Match.stringLikeRegexp('AwsSolutions-.*');
  return [...annotations.findError('*', pattern), ...annotations.findWarning('*', pattern)].map(
    (finding) => `${finding.id}: ${String(finding.entry.data).split('\n')[0]}`,
  );
}

function ofType(built: Built, type: string): [string, Resource][] {
  return Object.entries(built.resources).filter(([, r]) => r.Type === type);
}

function only(built: Built, type: string): Resource {
  const found = ofType(built, type);
  expect(found, type).toHaveLength(1);
  return (found[0] as [string, Resource])[1];
}

function refOf(value: unknown): string {
  return (value as { Ref?: string } | undefined)?.Ref ?? '';
}

/** Logical ids of the subnets a `{ Ref }` list points at. */
function refs(list: unknown): string[] {
  return (list as { Ref: string }[]).map((item) => item.Ref);
}

const built = {} as Record<DeployStage, Built>;

beforeAll(() => {
  for (const stage of DEPLOY_STAGES) built[stage] = build(stageConfig(stage), true);
}, 120_000);

describe('StatefulStack: cdk-nag', () => {
  it('has no unsuppressed AwsSolutions finding in any stage, Timestream on or off', () => {
    for (const stage of DEPLOY_STAGES) expect(nagFindings(built[stage].stack), stage).toEqual([]);
    const withTimestream = build({
      ...STAGE_CONFIGS.prod,
      timestream: { ...STAGE_CONFIGS.prod.timestream, enabled: true },
    });
    expect(nagFindings(withTimestream.stack)).toEqual([]);
  });

  it('gives every suppression a specific written reason', () => {
    for (const stage of DEPLOY_STAGES) {
      for (const [id, resource] of Object.entries(built[stage].resources)) {
        const rules = (resource.Metadata as { cdk_nag?: { rules_to_suppress?: { id: string; reason: string }[] } })
          ?.cdk_nag?.rules_to_suppress;
        for (const rule of rules ?? [])
          expect(rule.reason.length, `${stage} ${id} ${rule.id}`).toBeGreaterThanOrEqual(60);
      }
    }
  });
});

describe('StatefulStack: prod cannot lose data', () => {
  it('runs Aurora with a writer and a reader in different promotion tiers, TLS forced, IAM auth', () => {
    const prod = built.prod;
    const instances = ofType(prod, 'AWS::RDS::DBInstance').map(([, r]) => r);
    expect(instances.length).toBeGreaterThanOrEqual(2);
    expect(new Set(instances.map((i) => i.Properties?.PromotionTier)).size).toBe(instances.length);
    const zones = instances.map((i) => JSON.stringify(i.Properties?.AvailabilityZone));
    expect(zones.every((zone) => zone !== undefined)).toBe(true);
    expect(new Set(zones).size, 'each instance in its own AZ').toBe(instances.length);
    for (const instance of instances) {
      expect(instance.Properties?.PubliclyAccessible).toBe(false);
      expect(instance.DeletionPolicy).toBe('Retain');
    }
    prod.template.hasResourceProperties('AWS::RDS::DBClusterParameterGroup', {
      Parameters: Match.objectLike({ 'rds.force_ssl': '1', ssl_min_protocol_version: 'TLSv1.2' }),
    });
    prod.template.hasResourceProperties('AWS::RDS::DBCluster', {
      EnableIAMDatabaseAuthentication: true,
      EnableCloudwatchLogsExports: ['postgresql'],
    });
  });

  it('keeps Aurora: deletion protection, 35 days of backups, encrypted with the stage key, retained', () => {
    const cluster = only(built.prod, 'AWS::RDS::DBCluster');
    expect(cluster.DeletionPolicy).toBe('Retain');
    expect(cluster.Properties).toMatchObject({
      DeletionProtection: true,
      BackupRetentionPeriod: 35,
      StorageEncrypted: true,
      DeleteAutomatedBackups: false,
      KmsKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^DataKey/), 'Arn'] },
    });
    const secret = ofType(built.prod, 'AWS::SecretsManager::Secret').find(([id]) =>
      id.includes('DatabaseClusterSecret'),
    );
    expect(secret?.[1].DeletionPolicy).toBe('Retain');
  });

  it('rotates the database credentials and reaches the database only through a TLS, IAM-auth RDS Proxy', () => {
    const prod = built.prod;
    prod.template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
    });
    prod.template.hasResourceProperties('AWS::RDS::DBProxy', {
      RequireTLS: true,
      EngineFamily: 'POSTGRESQL',
      Auth: [Match.objectLike({ IAMAuth: 'REQUIRED', AuthScheme: 'SECRETS' })],
    });
    const policies = JSON.stringify(ofType(prod, 'AWS::IAM::Policy').map(([, r]) => r.Properties));
    expect(policies).toContain('rds-db:connect');
  });

  it('signs every unit in as its own database user, end to end with IAM, and a function only as its own', () => {
    // Prepare
    const prod = built.prod;
    const connectResources = (policyId: RegExp): string[] =>
      ofType(prod, 'AWS::IAM::Policy')
        .filter(([id]) => policyId.test(id))
        .flatMap(
          ([, r]) =>
            (r.Properties?.PolicyDocument as { Statement?: { Action: unknown; Resource: unknown }[] } | undefined)
              ?.Statement ?? [],
        )
        .filter((st) => st.Action === 'rds-db:connect')
        .flatMap((st) => (Array.isArray(st.Resource) ? st.Resource : [st.Resource]))
        .map((resource) => JSON.stringify(resource));

    // Assess: units without a secret authenticate to Aurora with IAM; the master user keeps its secret
    prod.template.hasResourceProperties('AWS::RDS::DBProxy', { DefaultAuthScheme: 'IAM_AUTH' });
    const proxyUsers = connectResources(/ProxyIAMRole/);
    for (const unit of Object.keys(DATABASE_ROLES) as DatabaseUnit[]) {
      expect(proxyUsers.filter((r) => r.includes(`/${databaseLoginUser(unit)}"`))).toHaveLength(1);
    }
    expect(proxyUsers.join()).not.toContain('riskgate_admin');
    // The probe role was granted the risk API: that user, nobody else's.
    const probe = connectResources(/ProbeRole/);
    expect(probe).toHaveLength(1);
    expect(probe[0]).toContain(`/${databaseLoginUser('riskApi')}"`);
  });

  it('runs ElastiCache Multi-AZ with automatic failover, TLS required, encrypted at rest, AUTH token, snapshots kept 7 days', () => {
    const cache = only(built.prod, 'AWS::ElastiCache::ReplicationGroup');
    expect(cache.DeletionPolicy).toBe('Retain');
    expect(cache.Properties).toMatchObject({
      AutomaticFailoverEnabled: true,
      MultiAZEnabled: true,
      TransitEncryptionEnabled: true,
      TransitEncryptionMode: 'required',
      AtRestEncryptionEnabled: true,
      SnapshotRetentionLimit: 7,
      PreferredMaintenanceWindow: expect.stringMatching(/^[a-z]{3}:\d\d:\d\d-[a-z]{3}:\d\d:\d\d$/),
    });
    expect(cache.Properties?.ReplicasPerNodeGroup).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(cache.Properties?.AuthToken)).toContain('{{resolve:secretsmanager:');
  });

  it('encrypts both Kinesis streams with the stage key and keeps 7 days for replay', () => {
    const streams = ofType(built.prod, 'AWS::Kinesis::Stream').map(([, r]) => r);
    expect(streams).toHaveLength(2);
    for (const stream of streams) {
      expect(stream.Properties).toMatchObject({
        RetentionPeriodHours: 168,
        StreamEncryption: {
          EncryptionType: 'KMS',
          KeyId: { 'Fn::GetAtt': [expect.stringMatching(/^DataKey/), 'Arn'] },
        },
      });
      expect(stream.Properties?.Name).toBeUndefined();
    }
  });
});

describe('StatefulStack: network', () => {
  it('spans 3 AZs in prod and 2 in dev, with NAT only in public subnets', () => {
    for (const [stage, azs] of [
      ['prod', 3],
      ['dev', 2],
    ] as const) {
      const subnets = ofType(built[stage], 'AWS::EC2::Subnet').map(([, r]) => r.Properties?.AvailabilityZone);
      expect(new Set(subnets.map((az) => JSON.stringify(az))).size, stage).toBe(azs);
      expect(ofType(built[stage], 'AWS::EC2::NatGateway')).toHaveLength(STAGE_CONFIGS[stage].network.natGateways);
    }
  });

  it('puts every store in the isolated data subnets, which have no route out', () => {
    for (const stage of DEPLOY_STAGES) {
      const b = built[stage];
      const dataSubnets = ofType(b, 'AWS::EC2::Subnet')
        .filter(([id]) => /dataSubnet/.test(id))
        .map(([id]) => id);
      expect(dataSubnets.length).toBe(STAGE_CONFIGS[stage].azCount);
      const storeSubnetLists = [
        only(b, 'AWS::RDS::DBSubnetGroup').Properties?.SubnetIds,
        only(b, 'AWS::ElastiCache::SubnetGroup').Properties?.SubnetIds,
        only(b, 'AWS::RDS::DBProxy').Properties?.VpcSubnetIds,
      ];
      for (const list of storeSubnetLists) expect(refs(list).sort(), stage).toEqual([...dataSubnets].sort());

      const dataRouteTables = new Set(
        ofType(b, 'AWS::EC2::SubnetRouteTableAssociation')
          .filter(([, r]) => dataSubnets.includes(refOf(r.Properties?.SubnetId)))
          .map(([, r]) => refOf(r.Properties?.RouteTableId)),
      );
      expect(dataRouteTables.size).toBe(dataSubnets.length);
      const routesOut = ofType(b, 'AWS::EC2::Route').filter(([, r]) =>
        dataRouteTables.has(refOf(r.Properties?.RouteTableId)),
      );
      expect(routesOut, stage).toEqual([]);
    }
  });

  it('opens the stores only to named security groups, never to an address range', () => {
    const b = built.prod;
    const ingress = ofType(b, 'AWS::EC2::SecurityGroupIngress').map(([, r]) => r.Properties ?? {});
    const storeGroups = ['DatabaseClusterSecurityGroup', 'DatabaseProxySecurityGroup', 'CacheSecurityGroup'];
    const storeRules = ingress.filter((rule) =>
      storeGroups.some((group) => JSON.stringify(rule.GroupId).includes(group)),
    );
    // Proxy <- functions and ingester; cluster <- proxy and rotation function; cache <- functions,
    // ingester and account feed.
    expect(storeRules).toHaveLength(7);
    for (const rule of storeRules) {
      expect(rule.CidrIp).toBeUndefined();
      expect(rule.CidrIpv6).toBeUndefined();
      expect(rule.SourceSecurityGroupId).toBeDefined();
    }
    // Inline ingress rules on groups (a CIDR on any group would show here).
    for (const [, group] of ofType(b, 'AWS::EC2::SecurityGroup')) {
      for (const rule of (group.Properties?.SecurityGroupIngress as Record<string, unknown>[]) ?? []) {
        expect(rule.CidrIp === '0.0.0.0/0' || rule.CidrIpv6 === '::/0').toBe(false);
      }
    }
  });

  it('keeps functions off the internet and allows only HTTPS out for the ingester', () => {
    const b = built.prod;
    const stack = b.stack;
    const groups = Object.fromEntries(ofType(b, 'AWS::EC2::SecurityGroup'));
    const functionsGroup = groups[stack.getLogicalId(stack.functionsSecurityGroup.node.defaultChild as never)];
    const egress = functionsGroup?.Properties?.SecurityGroupEgress as Record<string, unknown>[];
    expect(egress.some((rule) => rule.CidrIp === '0.0.0.0/0')).toBe(false);
    const ingester = groups[stack.getLogicalId(stack.ingesterSecurityGroup.node.defaultChild as never)];
    expect(ingester?.Properties?.SecurityGroupEgress).toEqual([
      expect.objectContaining({ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443, IpProtocol: 'tcp' }),
    ]);
  });

  it('gives the account feed its own group: HTTPS out and Redis, never the database', () => {
    // Prepare
    const b = built.prod;
    const stack = b.stack;
    const feedGroupId = stack.getLogicalId(stack.accountFeedSecurityGroup.node.defaultChild as never);
    const ingesterGroupId = stack.getLogicalId(stack.ingesterSecurityGroup.node.defaultChild as never);
    const mentionsFeed = (value: unknown) => JSON.stringify(value ?? null).includes(feedGroupId);

    // Act
    const feedGroup = Object.fromEntries(ofType(b, 'AWS::EC2::SecurityGroup'))[feedGroupId];
    const ingressFromFeed = ofType(b, 'AWS::EC2::SecurityGroupIngress')
      .map(([, r]) => r.Properties ?? {})
      .filter((rule) => mentionsFeed(rule.SourceSecurityGroupId));
    const egressOfFeed = ofType(b, 'AWS::EC2::SecurityGroupEgress')
      .map(([, r]) => r.Properties ?? {})
      .filter((rule) => mentionsFeed(rule.GroupId));

    // Assess
    expect(feedGroupId).not.toBe(ingesterGroupId);
    expect(feedGroup?.Properties?.SecurityGroupEgress).toEqual([
      expect.objectContaining({ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443, IpProtocol: 'tcp' }),
    ]);
    expect(ingressFromFeed.map((rule) => JSON.stringify(rule.GroupId))).toEqual([
      expect.stringContaining('CacheSecurityGroup'),
    ]);
    expect(egressOfFeed.map((rule) => JSON.stringify(rule.DestinationSecurityGroupId))).toEqual([
      expect.stringContaining('CacheSecurityGroup'),
    ]);
  });

  it('lets the VPC resolve only Kraken, CoinGecko and AWS names', () => {
    const b = built.prod;
    const lists = ofType(b, 'AWS::Route53Resolver::FirewallDomainList').map(([, r]) => r.Properties?.Domains);
    expect(lists).toContainEqual([...EGRESS_ALLOWED_DOMAINS]);
    expect(lists).toContainEqual(['*']);
    const rules = only(b, 'AWS::Route53Resolver::FirewallRuleGroup').Properties?.FirewallRules as {
      Action: string;
      Priority: number;
    }[];
    expect(rules.map((r) => r.Action)).toEqual(['ALLOW', 'BLOCK']);
    expect(only(b, 'AWS::Route53Resolver::FirewallRuleGroupAssociation').Properties?.VpcId).toBeDefined();
  });

  it('has interface endpoints for the AWS APIs the functions call, Timestream only when turned on', () => {
    const services = (b: Built) =>
      ofType(b, 'AWS::EC2::VPCEndpoint').map(([, r]) => JSON.stringify(r.Properties?.ServiceName));
    const prod = services(built.prod).join(' ');
    for (const name of ['kinesis-streams', 'secretsmanager', '.logs', '.monitoring', '.sts', '.s3']) {
      expect(prod).toContain(name);
    }
    expect(prod).not.toContain('timestream');
    const on = build({ ...STAGE_CONFIGS.dev, timestream: { ...STAGE_CONFIGS.dev.timestream, enabled: true } });
    expect(services(on).join(' ')).toContain('timestream.ingest-cell1');
  });

  it('keeps VPC flow logs', () => {
    built.prod.template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'ALL' });
    built.dev.template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'REJECT' });
  });

  it('encrypts every log group with the stage key, whose policy lets this account’s log groups and EventBridge use it', () => {
    const logGroups = ofType(built.prod, 'AWS::Logs::LogGroup');
    expect(logGroups.length).toBeGreaterThanOrEqual(3); // flow logs, PostgreSQL, cache slow log
    for (const [, group] of logGroups) {
      expect(group.Properties?.KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^DataKey/), 'Arn'] });
    }
    const policy = JSON.stringify(only(built.prod, 'AWS::KMS::Key').Properties?.KeyPolicy);
    expect(policy).toContain('kms:EncryptionContext:aws:logs:arn');
    expect(policy).toContain('events.amazonaws.com');
  });
});

describe('StatefulStack: secrets', () => {
  it('grants functions read on this stage’s Kraken key secrets only', () => {
    const policies = JSON.stringify(ofType(built.prod, 'AWS::IAM::Policy').map(([, r]) => r.Properties));
    expect(policies).toContain(':secret:risk-gate/prod/kraken/*');
    expect(policies).not.toContain('risk-gate/dev/kraken');
    expect(krakenKeySecretName('prod', 'acct-1')).toBe('risk-gate/prod/kraken/acct-1');
  });

  it('encrypts every secret with the stage key and names none of them', () => {
    for (const stage of DEPLOY_STAGES) {
      const secrets = ofType(built[stage], 'AWS::SecretsManager::Secret').map(([, r]) => r.Properties ?? {});
      expect(secrets).toHaveLength(3);
      for (const secret of secrets) {
        expect(secret.KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^DataKey/), 'Arn'] });
        expect(secret.Name).toBeUndefined();
      }
    }
  });
});

describe('StatefulStack: smaller stages', () => {
  it('lets dev be one instance, one cache node, deleted with its stack', () => {
    const dev = built.dev;
    expect(ofType(dev, 'AWS::RDS::DBInstance')).toHaveLength(1);
    const cluster = only(dev, 'AWS::RDS::DBCluster');
    expect(cluster.DeletionPolicy).toBe('Delete');
    expect(cluster.Properties).toMatchObject({ DeletionProtection: false, BackupRetentionPeriod: 7 });
    const cache = only(dev, 'AWS::ElastiCache::ReplicationGroup');
    expect(cache.Properties).toMatchObject({
      ReplicasPerNodeGroup: 0,
      MultiAZEnabled: false,
      TransitEncryptionEnabled: true,
      AtRestEncryptionEnabled: true,
      SnapshotRetentionLimit: 1,
    });
    for (const [, stream] of ofType(dev, 'AWS::Kinesis::Stream')) {
      expect(stream.Properties).toMatchObject({
        RetentionPeriodHours: 24,
        StreamModeDetails: { StreamMode: 'ON_DEMAND' },
      });
    }
  });

  it('snapshots staging’s database and cache when its stack is deleted', () => {
    expect(only(built.staging, 'AWS::RDS::DBCluster').DeletionPolicy).toBe('Snapshot');
    expect(only(built.staging, 'AWS::ElastiCache::ReplicationGroup').DeletionPolicy).toBe('Snapshot');
  });

  it('creates Timestream only when the stage turns it on, encrypted with the stage key', () => {
    for (const stage of DEPLOY_STAGES) expect(ofType(built[stage], 'AWS::Timestream::Database')).toEqual([]);
    const on = build({ ...STAGE_CONFIGS.prod, timestream: { ...STAGE_CONFIGS.prod.timestream, enabled: true } });
    expect(only(on, 'AWS::Timestream::Database').Properties?.KmsKeyId).toBeDefined();
    const tables = ofType(on, 'AWS::Timestream::Table').map(([, r]) => r);
    expect(tables).toHaveLength(2);
    for (const table of tables) {
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.Properties).toMatchObject({
        RetentionProperties: { MemoryStoreRetentionPeriodInHours: '24', MagneticStoreRetentionPeriodInDays: '365' },
        MagneticStoreWriteProperties: { EnableMagneticStoreWrites: true },
      });
    }
  });
});
