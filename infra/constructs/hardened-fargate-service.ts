import { Duration } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/** Non-root user of the distroless images (`nonroot`); each Dockerfile says `USER` the same. */
export const HARDENED_CONTAINER_USER = '65532:65532';

export interface HardenedTaskProps {
  /** Fargate CPU units. */
  readonly cpu: number;
  readonly memoryLimitMiB: number;
  readonly taskRole: iam.IRole;
  /** Container name inside the task definition. */
  readonly containerName: string;
  readonly image: ecs.ContainerImage;
  readonly logGroup: logs.ILogGroup;
  readonly logStreamPrefix: string;
  /** Port of /healthz and /ready inside the task. */
  readonly healthPort: number;
  /** Non-secret settings only (secrets are read at start from Secrets Manager). */
  readonly environment: Record<string, string>;
}

/**
 * One arm64 Fargate task definition with the single container every long-running service
 * here ships: the distroless image as the non-root user, a read-only root file system
 * (nothing is written to disk), the image's own health check (/ready through
 * /app/healthcheck.mjs), non-blocking logs (a slow log pipe must not stall the event loop)
 * and a 30 s stop timeout, so a 20 s SIGTERM flush finishes before ECS sends SIGKILL.
 */
export function createHardenedTask(
  scope: Construct,
  id: string,
  props: HardenedTaskProps,
): { taskDefinition: ecs.FargateTaskDefinition; container: ecs.ContainerDefinition } {
  const taskDefinition = new ecs.FargateTaskDefinition(scope, id, {
    cpu: props.cpu,
    memoryLimitMiB: props.memoryLimitMiB,
    runtimePlatform: {
      cpuArchitecture: ecs.CpuArchitecture.ARM64,
      operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
    },
    taskRole: props.taskRole,
  });
  const container = taskDefinition.addContainer(props.containerName, {
    image: props.image,
    user: HARDENED_CONTAINER_USER,
    readonlyRootFilesystem: true,
    essential: true,
    stopTimeout: Duration.seconds(30),
    logging: ecs.LogDrivers.awsLogs({
      logGroup: props.logGroup,
      streamPrefix: props.logStreamPrefix,
      mode: ecs.AwsLogDriverMode.NON_BLOCKING,
    }),
    portMappings: [{ containerPort: props.healthPort, protocol: ecs.Protocol.TCP }],
    healthCheck: {
      command: ['CMD', '/nodejs/bin/node', '/app/healthcheck.mjs'],
      interval: Duration.seconds(15),
      timeout: Duration.seconds(5),
      retries: 4,
      startPeriod: Duration.seconds(60),
    },
    environment: props.environment,
  });
  return { taskDefinition, container };
}

export interface OverlappingFargateServiceProps {
  readonly cluster: ecs.ICluster;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly desiredCount: number;
  readonly vpcSubnets: ec2.SubnetSelection;
  readonly securityGroup: ec2.ISecurityGroup;
}

/**
 * A Fargate service that starts the new task before it stops the old one (100 % / 200 %):
 * a gap would leave the stage without marks or an account shard failing closed; the brief
 * overlap publishes duplicate events, which consumers drop by event_id. A deployment whose
 * tasks never turn healthy rolls back; no public IP, no ECS Exec.
 */
export function createOverlappingFargateService(
  scope: Construct,
  id: string,
  props: OverlappingFargateServiceProps,
): ecs.FargateService {
  return new ecs.FargateService(scope, id, {
    cluster: props.cluster,
    taskDefinition: props.taskDefinition,
    desiredCount: props.desiredCount,
    minHealthyPercent: 100,
    maxHealthyPercent: 200,
    circuitBreaker: { enable: true, rollback: true },
    vpcSubnets: props.vpcSubnets,
    securityGroups: [props.securityGroup],
    assignPublicIp: false,
    enableExecuteCommand: false,
    propagateTags: ecs.PropagatedTagSource.SERVICE,
  });
}
