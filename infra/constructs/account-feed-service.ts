import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { IgnoreMode, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { krakenKeySecretPrefix, ROUTES, SERVICE_NAME } from '../../shared/names.js';
import { type AccountFeedStageConfig, retainPolicy, type StageConfig } from '../config/stages.js';
import { NagSuppressions } from '../nag.js';
import { grantKeyViaService, grantSecretRead, secretArnPattern } from './grants.js';
import {
  createHardenedTask,
  createOverlappingFargateService,
  HARDENED_CONTAINER_USER,
} from './hardened-fargate-service.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Port of /healthz and /ready inside the task (functions/account-feed/config.ts's default). */
export const ACCOUNT_FEED_HEALTH_PORT = 8081;
/** Non-root user of the distroless image (`nonroot`). */
export const ACCOUNT_FEED_USER = HARDENED_CONTAINER_USER;
/** SIGTERM flush budget; the container's stop timeout leaves ECS 10 s more before SIGKILL. */
export const ACCOUNT_FEED_SHUTDOWN_FLUSH_MS = 20_000;

/** Where the feed asks whether the risk API answers: its invoke URL and the health route's execute-api ARN. */
export interface RiskApiHealthTarget {
  /** The stage's invoke URL (`https://{id}.execute-api.{region}.amazonaws.com/{stage}/`). */
  readonly url: string;
  /** `execute-api:Invoke` on `GET /v1/health` of that stage, nothing else. */
  readonly healthInvokeArn: string;
}

/** The health target of a REST API's deployed stage. */
export function riskApiHealthTarget(api: apigw.RestApi): RiskApiHealthTarget {
  return {
    url: api.url,
    healthInvokeArn: api.arnForExecuteApi('GET', ROUTES.health, api.deploymentStage.stageName),
  };
}

export interface AccountFeedServiceProps {
  readonly stageConfig: StageConfig;
  /** @default stageConfig.accountFeed */
  readonly feedConfig?: AccountFeedStageConfig;
  readonly vpc: ec2.IVpc;
  /** Subnets of the tasks (private, with egress to Kraken through NAT). */
  readonly vpcSubnets: ec2.SubnetSelection;
  /** Security group of the tasks: egress 443 (Kraken REST and ws-auth, AWS endpoints) and to Redis. */
  readonly securityGroup: ec2.ISecurityGroup;
  /** The `executions` stream: the tasks may only PutRecords on it. */
  readonly stream: kinesis.IStream;
  /** `rediss://host:port` of the ElastiCache primary endpoint. */
  readonly redisUrl: string;
  /** ElastiCache auth token, read at start. */
  readonly redisAuthSecret?: secretsmanager.ISecret;
  /**
   * The trading API: the dead man's switch stays armed only while its health route answers
   * (functions/account-feed/adapters/risk-api-probe.ts), signed with the task role.
   */
  readonly riskApi: RiskApiHealthTarget;
  /** The stage data key: it encrypts the Kraken key secrets, the Redis token and the stream. */
  readonly dataKey: kms.IKey;
  /** Revision reported in logs. */
  readonly buildVersion: string;
  /** @default the image built from functions/account-feed/Dockerfile */
  readonly image?: ecs.ContainerImage;
  /** @default an ECS cluster of its own with Container Insights */
  readonly cluster?: ecs.ICluster;
  /** @default 256 (0.25 vCPU): a few WebSockets and JSON frames per account */
  readonly cpu?: number;
  /** @default 512 */
  readonly memoryLimitMiB?: number;
  /** Extra environment (non-secret settings only). */
  readonly environment?: Record<string, string>;
}

/**
 * Kraken's private feed (functions/account-feed) as ECS Fargate services: one service of one
 * task per shard, because a task's SHARD_INDEX is part of its task definition and ECS cannot
 * give two tasks of one service different environments. Each task serves the accounts whose
 * id hashes to its shard (shared/domain/account-feed/sharding.ts).
 *
 * Same hardening as the market ingester: arm64, non-root, read-only root file system, a
 * container health check on /ready, deployment circuit breaker with rollback, its own log
 * group with the stage retention. The task role lists secrets (to find new and rotated
 * Kraken keys), reads only this stage's Kraken key secrets and the Redis token, and may only
 * PutRecords on `executions`.
 */
export class AccountFeedService extends Construct {
  readonly services: ecs.FargateService[] = [];
  readonly taskDefinitions: ecs.FargateTaskDefinition[] = [];
  readonly taskRole: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly cluster: ecs.ICluster;

  /** The image built from the repository (only the files the Dockerfile needs are staged). */
  static imageFromRepository(): ecs.ContainerImage {
    return ecs.ContainerImage.fromAsset(REPO_ROOT, {
      file: 'functions/account-feed/Dockerfile',
      ignoreMode: IgnoreMode.DOCKER,
      exclude: [
        '*',
        '!package.json',
        '!package-lock.json',
        '!tsconfig.json',
        '!shared',
        '!functions/account-feed',
        '**/*.test.ts',
        '**/*.bench.ts',
      ],
    });
  }

  constructor(scope: Construct, id: string, props: AccountFeedServiceProps) {
    super(scope, id);
    const { stageConfig } = props;
    const feed = props.feedConfig ?? stageConfig.accountFeed;

    this.cluster =
      props.cluster ??
      new ecs.Cluster(this, 'Cluster', { vpc: props.vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: stageConfig.logRetention,
      removalPolicy: retainPolicy(stageConfig),
    });

    // One role for every shard: they do the same thing for different accounts.
    this.taskRole = new iam.Role(this, 'TaskRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description:
        "account feed: list secrets, read this stage's Kraken keys and the Redis token, PutRecords on executions, GET the risk API's health",
    });
    // ListSecrets has no resource-level permission; the directory filters by the stage prefix
    // and reads values only through the GetSecretValue grant below.
    this.taskRole.addToPolicy(new iam.PolicyStatement({ actions: ['secretsmanager:ListSecrets'], resources: ['*'] }));
    grantSecretRead(
      this.taskRole,
      [
        secretArnPattern(this.taskRole, krakenKeySecretPrefix(stageConfig.stage)),
        ...(props.redisAuthSecret ? [props.redisAuthSecret.secretArn] : []),
      ],
      props.dataKey,
    );
    this.taskRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['kinesis:PutRecords'], resources: [props.stream.streamArn] }),
    );
    // The health route only: the feed must not be able to validate orders or read decisions.
    this.taskRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['execute-api:Invoke'], resources: [props.riskApi.healthInvokeArn] }),
    );
    if (props.stream.encryptionKey) {
      grantKeyViaService(this.taskRole, props.stream.encryptionKey, 'kinesis', ['kms:GenerateDataKey']);
    }

    const environment: Record<string, string> = {
      STAGE: stageConfig.stage,
      ...stageConfig.runtime,
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      POWERTOOLS_LOG_LEVEL: stageConfig.runtime.LOG_LEVEL,
      BUILD_VERSION: props.buildVersion,
      AWS_REGION: Stack.of(this).region,
      EXECUTIONS_STREAM: props.stream.streamName,
      REDIS_URL: props.redisUrl,
      ...(props.redisAuthSecret ? { REDIS_AUTH_SECRET_ID: props.redisAuthSecret.secretArn } : {}),
      // Production URLs are config.ts's defaults; set here so a task definition says where it connects.
      KRAKEN_REST_URL: 'https://api.kraken.com',
      KRAKEN_WS_AUTH_URL: 'wss://ws-auth.kraken.com/v2',
      SHARD_COUNT: String(feed.shards),
      DEAD_MANS_SWITCH_ACCOUNTS: selectionText(feed.deadMansSwitchAccounts),
      CANCEL_UNVETTED_ACCOUNTS: selectionText(feed.cancelUnvettedAccounts),
      HEALTH_SYMBOLS: feed.healthSymbols.join(','),
      HEALTH_PORT: String(ACCOUNT_FEED_HEALTH_PORT),
      SHUTDOWN_FLUSH_TIMEOUT_MS: String(ACCOUNT_FEED_SHUTDOWN_FLUSH_MS),
      // Reached through NAT on its regional name (under *.amazonaws.com in the DNS allowlist);
      // the probe signs with the task role (RISK_API_SIGV4 defaults to true).
      RISK_API_URL: props.riskApi.url,
      ...props.environment,
    };
    const image = props.image ?? AccountFeedService.imageFromRepository();

    for (let shard = 0; shard < feed.shards; shard++) {
      const { taskDefinition } = createHardenedTask(this, `Task${shard}`, {
        cpu: props.cpu ?? 256,
        memoryLimitMiB: props.memoryLimitMiB ?? 512,
        taskRole: this.taskRole,
        containerName: 'account-feed',
        image,
        logGroup: this.logGroup,
        logStreamPrefix: `account-feed-${shard}`,
        healthPort: ACCOUNT_FEED_HEALTH_PORT,
        environment: { ...environment, SHARD_INDEX: String(shard) },
      });

      // One task per shard and no gap between old and new: a gap would fail every account
      // of the shard closed (and let its dead man's switch run down).
      const service = createOverlappingFargateService(this, `Shard${shard}`, {
        cluster: this.cluster,
        taskDefinition,
        desiredCount: 1,
        vpcSubnets: props.vpcSubnets,
        securityGroup: props.securityGroup,
      });
      this.taskDefinitions.push(taskDefinition);
      this.services.push(service);

      NagSuppressions.addResourceSuppressions(
        taskDefinition,
        [
          {
            id: 'AwsSolutions-ECS2',
            reason:
              'Only non-secret settings (stage, shard, account selections, stream name, Redis endpoint, secret ARN) ' +
              'are plain environment variables; Kraken keys and the Redis token are read at start from Secrets Manager.',
          },
          {
            id: 'AwsSolutions-IAM5',
            reason:
              'The execution role gets ecr:GetAuthorizationToken, which supports no resource-level permission; ' +
              'image pulls and log writes are scoped to this image repository and this log group.',
          },
        ],
        true,
      );
    }

    const escapedPrefix = krakenKeySecretPrefix(stageConfig.stage).replaceAll('/', '\\/');
    NagSuppressions.addResourceSuppressions(
      this.taskRole,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'secretsmanager:ListSecrets supports no resource-level permission (AWS answers only for "*"); the feed ' +
            'lists to find new, rotated and removed Kraken keys and reads values only under its own stage prefix.',
          appliesTo: ['Resource::*'],
        },
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'Kraken keys are one secret per trading account, created by operators after deploy; the wildcard is ' +
            "the stage's own naming prefix (krakenKeySecretName), never another stage or service.",
          appliesTo: [{ regex: `/^Resource::arn:<AWS::Partition>:secretsmanager:.*:secret:${escapedPrefix}\\*$/g` }],
        },
      ],
      true,
    );
  }
}

function selectionText(selection: AccountFeedStageConfig['deadMansSwitchAccounts']): string {
  return selection === '*' ? '*' : selection.join(',');
}
