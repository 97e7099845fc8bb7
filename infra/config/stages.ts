import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { baseConfigSchema, parseConfig } from '../../shared/config/env.js';

/**
 * One typed configuration per stage: sizes, retention, AZ count and guardrails. Code reads
 * these through {@link stageConfig}; nothing in a stack tests `stage === 'prod'` directly,
 * so every difference between stages is visible here and snapshot-tested.
 */
export type DeployStage = 'dev' | 'staging' | 'prod';
export const DEPLOY_STAGES: readonly DeployStage[] = ['dev', 'staging', 'prod'];

export interface StageConfig {
  readonly stage: DeployStage;
  /** Region; the account comes from `-c account=` or CDK_DEFAULT_ACCOUNT at synth time. */
  readonly region: string;
  /** Availability zones the VPC spans (the stores' replicas follow). */
  readonly azCount: number;
  readonly logRetention: RetentionDays;
  /** What happens to stateful resources when their stack is deleted. */
  readonly statefulRemovalPolicy: RemovalPolicy;
  /** Settings every function receives and validates at cold start (and preflight checks). */
  readonly runtime: {
    readonly SIMULATION_MODE: 'true' | 'false';
    readonly ALLOW_INSECURE_DEFAULTS: 'true' | 'false';
    readonly LOG_LEVEL: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  };
}

export const STAGE_CONFIGS = {
  dev: {
    stage: 'dev',
    region: 'eu-west-1',
    azCount: 2,
    logRetention: RetentionDays.ONE_WEEK,
    statefulRemovalPolicy: RemovalPolicy.DESTROY,
    runtime: { SIMULATION_MODE: 'false', ALLOW_INSECURE_DEFAULTS: 'false', LOG_LEVEL: 'DEBUG' },
  },
  staging: {
    stage: 'staging',
    region: 'eu-west-1',
    azCount: 2,
    logRetention: RetentionDays.ONE_MONTH,
    statefulRemovalPolicy: RemovalPolicy.SNAPSHOT,
    runtime: { SIMULATION_MODE: 'false', ALLOW_INSECURE_DEFAULTS: 'false', LOG_LEVEL: 'INFO' },
  },
  prod: {
    stage: 'prod',
    region: 'eu-west-1',
    azCount: 3,
    logRetention: RetentionDays.ONE_YEAR,
    statefulRemovalPolicy: RemovalPolicy.RETAIN,
    runtime: { SIMULATION_MODE: 'false', ALLOW_INSECURE_DEFAULTS: 'false', LOG_LEVEL: 'INFO' },
  },
} as const satisfies Record<DeployStage, StageConfig>;

/**
 * Returns the stage's config after running the same validation a function runs at cold
 * start, so a prod config with simulation on fails the synth, the preflight and the deploy.
 */
export function stageConfig(stage: string, overrides: Partial<StageConfig> = {}): StageConfig {
  if (!(DEPLOY_STAGES as readonly string[]).includes(stage)) {
    throw new Error(`unknown stage "${stage}": expected one of ${DEPLOY_STAGES.join(', ')}`);
  }
  const config: StageConfig = { ...STAGE_CONFIGS[stage as DeployStage], ...overrides };
  parseConfig(baseConfigSchema, { STAGE: config.stage, ...config.runtime });
  return config;
}

/**
 * Removal policy for stateful resources that cannot be snapshotted (keys, log groups):
 * where the stage asks for a snapshot, keep them instead.
 */
export function retainPolicy(config: StageConfig): RemovalPolicy {
  return config.statefulRemovalPolicy === RemovalPolicy.SNAPSHOT ? RemovalPolicy.RETAIN : config.statefulRemovalPolicy;
}
