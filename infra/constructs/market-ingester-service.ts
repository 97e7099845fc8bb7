import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { IgnoreMode, Stack } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { INGESTER_DEFAULTS } from '../../functions/market-ingester/defaults.js';
import { SERVICE_NAME } from '../../shared/names.js';
import { retainPolicy, type StageConfig } from '../config/stages.js';
import { NagSuppressions } from '../nag.js';
import { grantKeyViaService, grantSecretRead } from './grants.js';
import {
  createHardenedTask,
  createOverlappingFargateService,
  HARDENED_CONTAINER_USER,
} from './hardened-fargate-service.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Port of /healthz and /ready inside the task. */
export const INGESTER_HEALTH_PORT = INGESTER_DEFAULTS.HEALTH_PORT;
/** Non-root user of the distroless image (`nonroot`). */
export const INGESTER_USER = HARDENED_CONTAINER_USER;
/** Where the Dockerfile puts the RDS CA bundle inside the image. */
export const INGESTER_RDS_CA_FILE = '/app/rds-ca/rds-ca-bundle.pem';

/** How the task reaches Aurora (through RDS Proxy, IAM auth): Kraken's instrument catalog. */
export interface IngesterDatabaseAccess {
  /** DATABASE_* settings of shared/config/stores.ts (host, port, name, user, auth, TLS). */
  readonly environment: Record<string, string>;
  /** Grants `rds-db:connect` as the database user. */
  grantConnect(grantee: iam.IGrantable): void;
}

export interface MarketIngesterServiceProps {
  readonly stageConfig: StageConfig;
  readonly vpc: ec2.IVpc;
  /** Subnets of the task (private, with egress to Kraken through NAT). */
  readonly vpcSubnets: ec2.SubnetSelection;
  /** Security group of the task: egress 443 (Kraken, AWS endpoints) and to Redis. */
  readonly securityGroup: ec2.ISecurityGroup;
  /** The `market-events` stream: the task may only PutRecords on it. */
  readonly stream: kinesis.IStream;
  /** `rediss://host:port` of the ElastiCache primary endpoint. */
  readonly redisUrl: string;
  /** ElastiCache auth token: the task role may read this secret and no other. */
  readonly redisAuthSecret?: secretsmanager.ISecret;
  /** KMS key of the secret (the stage data key); required with `redisAuthSecret`. */
  readonly secretsKey?: kms.IKey;
  /** USD spot pairs in v2 spelling. @default stageConfig.tradedSymbols */
  readonly symbols?: readonly string[];
  /** The database the instrument catalog goes to (the universe job reads it). */
  readonly database: IngesterDatabaseAccess;
  /** @default INGESTER_DEFAULTS.BOOK_DEPTH */
  readonly bookDepth?: number;
  /** One task per stage: two would double Kraken connections and events. @default 1 */
  readonly desiredCount?: number;
  /** Revision reported in logs. */
  readonly buildVersion: string;
  /** @default the image built from functions/market-ingester/Dockerfile */
  readonly image?: ecs.ContainerImage;
  /** @default an ECS cluster of its own with Container Insights */
  readonly cluster?: ecs.ICluster;
  /** @default 512 (0.5 vCPU) */
  readonly cpu?: number;
  /** @default 1024 */
  readonly memoryLimitMiB?: number;
  /** Extra environment (non-secret settings only). */
  readonly environment?: Record<string, string>;
}

/**
 * The market-data ingester as an ECS Fargate service: arm64, one task by default,
 * non-root, read-only root file system, a container health check on /ready, deployment
 * circuit breaker with rollback, its own log group with the stage's retention, and a task
 * role that may only PutRecords on its stream and read its own secret.
 *
 * Stop timeout 30 s with a 20 s SHUTDOWN_FLUSH_TIMEOUT_MS: SIGTERM flushes the Kinesis
 * buffer before ECS sends SIGKILL.
 */
export class MarketIngesterService extends Construct {
  readonly service: ecs.FargateService;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly container: ecs.ContainerDefinition;
  readonly logGroup: logs.LogGroup;
  readonly cluster: ecs.ICluster;

  /** The image built from the repository (only the files the Dockerfile needs are staged). */
  static imageFromRepository(): ecs.ContainerImage {
    return ecs.ContainerImage.fromAsset(REPO_ROOT, {
      file: 'functions/market-ingester/Dockerfile',
      ignoreMode: IgnoreMode.DOCKER,
      exclude: [
        '*',
        '!package.json',
        '!package-lock.json',
        '!tsconfig.json',
        '!shared',
        '!functions/market-ingester',
        '!layers/rds-ca-bundle',
        '**/*.test.ts',
        '**/*.bench.ts',
      ],
    });
  }

  constructor(scope: Construct, id: string, props: MarketIngesterServiceProps) {
    super(scope, id);
    const { stageConfig } = props;

    this.cluster =
      props.cluster ??
      new ecs.Cluster(this, 'Cluster', {
        vpc: props.vpc,
        containerInsightsV2: ecs.ContainerInsights.ENABLED,
      });

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: stageConfig.logRetention,
      removalPolicy: retainPolicy(stageConfig),
    });

    const taskRole = new iam.Role(this, 'TaskRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'market ingester: PutRecords on its stream, read its own secret, connect to the database',
    });
    props.database.grantConnect(taskRole);
    taskRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['kinesis:PutRecords'], resources: [props.stream.streamArn] }),
    );
    // Identity policy only: editing the stage key's policy from this stack would make the
    // stateful stack depend on it (see infra/constructs/grants.ts).
    if (props.stream.encryptionKey) {
      grantKeyViaService(taskRole, props.stream.encryptionKey, 'kinesis', ['kms:GenerateDataKey']);
    }
    if (props.redisAuthSecret) {
      if (!props.secretsKey) throw new Error('secretsKey is required with redisAuthSecret');
      grantSecretRead(taskRole, [props.redisAuthSecret.secretArn], props.secretsKey);
    }

    const { taskDefinition, container } = createHardenedTask(this, 'Task', {
      cpu: props.cpu ?? 512,
      memoryLimitMiB: props.memoryLimitMiB ?? 1024,
      taskRole,
      containerName: 'ingester',
      image: props.image ?? MarketIngesterService.imageFromRepository(),
      logGroup: this.logGroup,
      logStreamPrefix: 'ingester',
      healthPort: INGESTER_HEALTH_PORT,
      environment: {
        STAGE: stageConfig.stage,
        ...stageConfig.runtime,
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_LOG_LEVEL: stageConfig.runtime.LOG_LEVEL,
        BUILD_VERSION: props.buildVersion,
        KRAKEN_WS_URL: INGESTER_DEFAULTS.KRAKEN_WS_URL,
        KRAKEN_SYMBOLS: (props.symbols ?? stageConfig.tradedSymbols).join(','),
        BOOK_DEPTH: String(props.bookDepth ?? INGESTER_DEFAULTS.BOOK_DEPTH),
        MARKET_EVENTS_STREAM: props.stream.streamName,
        REDIS_URL: props.redisUrl,
        ...(props.redisAuthSecret ? { REDIS_AUTH_SECRET_ID: props.redisAuthSecret.secretArn } : {}),
        HEALTH_PORT: String(INGESTER_HEALTH_PORT),
        UNIVERSE_REFRESH_MS: String(INGESTER_DEFAULTS.UNIVERSE_REFRESH_MS),
        AWS_REGION: Stack.of(this).region,
        ...props.database.environment,
        DATABASE_CA_FILE: INGESTER_RDS_CA_FILE,
        SHUTDOWN_FLUSH_TIMEOUT_MS: String(INGESTER_DEFAULTS.SHUTDOWN_FLUSH_TIMEOUT_MS),
        ...props.environment,
      },
    });
    this.taskDefinition = taskDefinition;
    this.container = container;

    // No gap in marks during a deploy: the new task starts before the old one stops.
    this.service = createOverlappingFargateService(this, 'Service', {
      cluster: this.cluster,
      taskDefinition: this.taskDefinition,
      desiredCount: props.desiredCount ?? 1,
      vpcSubnets: props.vpcSubnets,
      securityGroup: props.securityGroup,
    });

    NagSuppressions.addResourceSuppressions(
      this.taskDefinition,
      [
        {
          id: 'AwsSolutions-ECS2',
          reason:
            'Only non-secret settings (stage, symbols, stream name, Redis and database endpoints, secret ARN) are plain ' +
            'environment variables; the Redis auth token is read at start from Secrets Manager by ARN.',
        },
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'The execution role gets ecr:GetAuthorizationToken, which supports no resource-level permission; ' +
            'image pulls and log writes are scoped to this image repository and this log group. The task role ' +
            'gets rds-db:connect on the proxy resource id with the user wildcard grantConnect writes.',
        },
      ],
      true,
    );
  }
}
