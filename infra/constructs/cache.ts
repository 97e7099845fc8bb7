import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { SERVICE_NAME } from '../../shared/names.js';
import { retainPolicy, type StageConfig } from '../config/stages.js';
import { NagSuppressions } from '../nag.js';
import { SUBNETS } from './network.js';

export interface CacheProps {
  readonly stageConfig: StageConfig;
  readonly vpc: ec2.IVpc;
  /** Encrypts the data at rest, the snapshots and the auth-token secret. */
  readonly dataKey: kms.IKey;
}

/**
 * ElastiCache (Valkey 7.2, Redis OSS 7 compatible) replication group holding hot state
 * only: one shard, `replicas` replicas in other AZs with Multi-AZ automatic failover, TLS
 * required in transit, encrypted at rest with the stage key, an AUTH token generated into
 * Secrets Manager, daily snapshots kept `snapshotRetentionDays`, a fixed maintenance window.
 */
export class Cache extends Construct {
  readonly replicationGroup: elasticache.CfnReplicationGroup;
  readonly authToken: secretsmanager.Secret;
  readonly securityGroup: ec2.SecurityGroup;
  /** Primary endpoint host (a token until deploy). */
  readonly endpointAddress: string;
  /** Reader endpoint host, for reads that tolerate replica lag. */
  readonly readerEndpointAddress: string;
  readonly port: number;

  constructor(scope: Construct, id: string, props: CacheProps) {
    super(scope, id);
    const { stageConfig, vpc, dataKey } = props;
    const cache = stageConfig.cache;
    const highlyAvailable = cache.replicas > 0;
    this.port = cache.port;

    this.authToken = new secretsmanager.Secret(this, 'AuthToken', {
      description: `${SERVICE_NAME} ${stageConfig.stage} ElastiCache AUTH token`,
      encryptionKey: dataKey,
      // ElastiCache tokens: 16-128 printable characters without @, " or /; letters and
      // digits only keeps them safe in URLs too.
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy: retainPolicy(stageConfig),
    });

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: 'ElastiCache: reachable only from the function and ingester security groups',
      allowAllOutbound: false,
    });

    const subnetGroup = new elasticache.CfnSubnetGroup(this, 'SubnetGroup', {
      description: `${SERVICE_NAME} ${stageConfig.stage} cache subnets (isolated)`,
      subnetIds: vpc.selectSubnets({ subnetGroupName: SUBNETS.data }).subnetIds,
    });

    const slowLog = new logs.LogGroup(this, 'SlowLog', {
      retention: stageConfig.logRetention,
      removalPolicy: retainPolicy(stageConfig),
    });

    this.replicationGroup = new elasticache.CfnReplicationGroup(this, 'ReplicationGroup', {
      replicationGroupDescription: `${SERVICE_NAME} ${stageConfig.stage} hot state (rebuildable from Kinesis and Aurora)`,
      engine: 'valkey',
      engineVersion: '7.2',
      cacheNodeType: cache.nodeType,
      numNodeGroups: 1,
      replicasPerNodeGroup: cache.replicas,
      automaticFailoverEnabled: highlyAvailable,
      multiAzEnabled: highlyAvailable,
      transitEncryptionEnabled: true,
      transitEncryptionMode: 'required',
      atRestEncryptionEnabled: true,
      kmsKeyId: dataKey.keyArn,
      authToken: this.authToken.secretValue.unsafeUnwrap(),
      port: cache.port,
      cacheSubnetGroupName: subnetGroup.ref,
      securityGroupIds: [this.securityGroup.securityGroupId],
      snapshotRetentionLimit: cache.snapshotRetentionDays,
      snapshotWindow: '02:00-03:00',
      preferredMaintenanceWindow: 'sun:04:00-sun:05:00',
      autoMinorVersionUpgrade: true,
      logDeliveryConfigurations: [
        {
          destinationType: 'cloudwatch-logs',
          logFormat: 'json',
          logType: 'slow-log',
          destinationDetails: { cloudWatchLogsDetails: { logGroup: slowLog.logGroupName } },
        },
      ],
    });
    this.replicationGroup.applyRemovalPolicy(stageConfig.statefulRemovalPolicy);

    this.endpointAddress = this.replicationGroup.attrPrimaryEndPointAddress;
    this.readerEndpointAddress = this.replicationGroup.attrReaderEndPointAddress;

    NagSuppressions.addResourceSuppressions(this.authToken, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'ElastiCache has no managed rotation for AUTH tokens: rotation is a two-step ModifyReplicationGroup ' +
          '(AuthTokenUpdateStrategy ROTATE then SET) run from the runbook in docs/data-durability.md.',
      },
    ]);
    if (!highlyAvailable) {
      NagSuppressions.addResourceSuppressions(this.replicationGroup, [
        {
          id: 'AwsSolutions-AEC4',
          reason: `The ${stageConfig.stage} stage runs a single cache node to save cost; the cache holds only state that is rebuilt from Kinesis and Aurora. Staging and prod run replicas with Multi-AZ failover (guarded by stageConfig).`,
        },
      ]);
    }
  }

  /** Lets a security group (functions, ingester) reach the cache port. */
  allowClientsFrom(client: ec2.IConnectable, description: string): void {
    this.securityGroup.connections.allowFrom(client, ec2.Port.tcp(this.port), description);
  }
}
