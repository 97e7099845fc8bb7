import { Aspects, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { retainPolicy, type StageConfig } from '../config/stages.js';
import { Cache } from '../constructs/cache.js';
import {
  DATABASE_ADMIN_USER,
  DATABASE_NAME,
  DATABASE_PORT,
  Database,
  type DatabaseClient,
} from '../constructs/database.js';
import { Network } from '../constructs/network.js';
import { ApiKeySecrets } from '../constructs/secrets.js';
import { allowServicesToUseStageKey, StageLogGroups } from '../constructs/stage-encryption.js';
import { Streams, TimeSeriesStore } from '../constructs/streams.js';

export interface StatefulStackProps extends StackProps {
  readonly stageConfig: StageConfig;
}

/**
 * Everything that holds data and must outlive a deploy: network, Aurora, ElastiCache,
 * Kinesis streams, secrets. Deployed separately from the stateless stack so a bad function
 * deploy can never replace a store. Stateless stacks receive these resources as props.
 *
 * How a function uses them: put it in `vpc` (`app` subnets) with `functionsSecurityGroup`
 * (plus `externalApiSecurityGroup` when it calls Kraken/CoinGecko), call
 * `grantDatabaseConnect` with its unit and connect to `databaseProxy.endpoint` as that unit's
 * login user (migration 011) with an IAM token over TLS (shared/adapters/postgres; the
 * environment comes from infra/constructs/store-access.ts), read `redisAuthSecret` and connect to
 * `redisEndpointAddress:redisPort` over TLS (shared/adapters/redis).
 */
export class StatefulStack extends Stack {
  /** Customer-managed key for the stage's streams, secrets and database storage. */
  readonly dataKey: kms.Key;
  readonly network: Network;
  readonly vpc: ec2.Vpc;
  /** Lambdas that reach the DB proxy, Redis and AWS APIs (no internet). */
  readonly functionsSecurityGroup: ec2.SecurityGroup;
  /** Add to Lambdas that must call Kraken or CoinGecko (HTTPS out, DNS allow-listed). */
  readonly externalApiSecurityGroup: ec2.SecurityGroup;
  /** The Fargate ingester: Redis, AWS APIs and WSS/HTTPS out. */
  readonly ingesterSecurityGroup: ec2.SecurityGroup;
  /** The Fargate account feed: Redis, AWS APIs and WSS/HTTPS out; no database. */
  readonly accountFeedSecurityGroup: ec2.SecurityGroup;
  readonly database: rds.DatabaseCluster;
  readonly databaseProxy: rds.DatabaseProxy;
  /** Admin credentials (rotated); the proxy uses them, functions use IAM tokens instead. */
  readonly databaseSecret: secretsmanager.ISecret;
  readonly databaseName = DATABASE_NAME;
  /** The migrator's (master) user; every other function connects as its unit's own user. */
  readonly databaseUser = DATABASE_ADMIN_USER;
  readonly databasePort = DATABASE_PORT;
  readonly redisEndpointAddress: string;
  readonly redisReaderEndpointAddress: string;
  readonly redisPort: number;
  readonly redisAuthSecret: secretsmanager.ISecret;
  /** The cache's replication group id; its nodes are `<id>-001`, `-002`, ... (the alarms' dimensions). */
  readonly redisReplicationGroupId: string;
  readonly marketEventsStream: kinesis.Stream;
  readonly executionsStream: kinesis.Stream;
  readonly coingeckoApiKeySecret: secretsmanager.ISecret;
  /** Present only when the stage config turns Timestream on. */
  readonly timeSeries?: TimeSeriesStore;

  private readonly databaseConstruct: Database;
  private readonly apiKeys: ApiKeySecrets;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { stageConfig } = props;

    this.dataKey = new kms.Key(this, 'DataKey', {
      description: `risk-gate ${stageConfig.stage} data encryption key`,
      enableKeyRotation: true,
      removalPolicy: retainPolicy(stageConfig),
    });
    // Log groups and EventBridge dead-letter queues of both stacks are encrypted with it.
    allowServicesToUseStageKey(this.dataKey);
    Aspects.of(this).add(new StageLogGroups(stageConfig, this.dataKey));

    this.network = new Network(this, 'Network', { stageConfig });
    this.vpc = this.network.vpc;
    this.functionsSecurityGroup = this.network.functionsSecurityGroup;
    this.externalApiSecurityGroup = this.network.externalApiSecurityGroup;
    this.ingesterSecurityGroup = this.network.ingesterSecurityGroup;
    this.accountFeedSecurityGroup = this.network.accountFeedSecurityGroup;

    const secretsManagerEndpoint = this.network.endpoints.SecretsManager;
    if (!secretsManagerEndpoint) throw new Error('the network has no Secrets Manager endpoint');
    this.databaseConstruct = new Database(this, 'Database', {
      stageConfig,
      vpc: this.vpc,
      dataKey: this.dataKey,
      secretsManagerEndpoint,
    });
    this.database = this.databaseConstruct.cluster;
    this.databaseProxy = this.databaseConstruct.proxy;
    this.databaseSecret = this.databaseConstruct.secret;
    this.databaseConstruct.allowClientsFrom(this.functionsSecurityGroup, 'Lambdas to RDS Proxy');
    // The ingester writes Kraken's instrument catalog (the universe job reads it).
    this.databaseConstruct.allowClientsFrom(this.ingesterSecurityGroup, 'Ingester to RDS Proxy');

    const cache = new Cache(this, 'Cache', { stageConfig, vpc: this.vpc, dataKey: this.dataKey });
    cache.allowClientsFrom(this.functionsSecurityGroup, 'Lambdas to ElastiCache');
    cache.allowClientsFrom(this.ingesterSecurityGroup, 'Ingester to ElastiCache');
    cache.allowClientsFrom(this.accountFeedSecurityGroup, 'Account feed to ElastiCache');
    this.redisEndpointAddress = cache.endpointAddress;
    this.redisReaderEndpointAddress = cache.readerEndpointAddress;
    this.redisPort = cache.port;
    this.redisAuthSecret = cache.authToken;
    this.redisReplicationGroupId = cache.replicationGroup.ref;

    const streams = new Streams(this, 'Streams', { stageConfig, dataKey: this.dataKey });
    this.marketEventsStream = streams.marketEvents;
    this.executionsStream = streams.executions;

    this.apiKeys = new ApiKeySecrets(this, 'ApiKeys', { stageConfig, dataKey: this.dataKey });
    this.coingeckoApiKeySecret = this.apiKeys.coingeckoApiKey;

    if (stageConfig.timestream.enabled) {
      this.timeSeries = new TimeSeriesStore(this, 'TimeSeries', { stageConfig, dataKey: this.dataKey });
    }

    new CfnOutput(this, 'DatabaseProxyEndpoint', { value: this.databaseProxy.endpoint });
    // `npm run preflight -- --check-secrets` reads it to find the key an operator must set.
    new CfnOutput(this, 'CoinGeckoApiKeySecretArn', { value: this.coingeckoApiKeySecret.secretArn });
    new CfnOutput(this, 'RedisEndpoint', { value: `${this.redisEndpointAddress}:${this.redisPort}` });
  }

  /** `rds-db:connect` through the proxy as `client`'s database user, and no other user. */
  grantDatabaseConnect(grantee: iam.IGrantable, client: DatabaseClient): iam.Grant {
    return this.databaseConstruct.grantConnect(grantee, client);
  }

  /** Read this stage's Kraken keys (`krakenKeySecretName(stage, accountId)`), nothing else. */
  grantReadKrakenKeys(grantee: iam.IGrantable): iam.Grant {
    return this.apiKeys.grantReadKrakenKeys(grantee);
  }
}
