import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { findSecretPlaceholders } from '../shared/adapters/secrets/placeholder-check.js';
import { ConfigError } from '../shared/config/env.js';
import { krakenKeySecretName } from '../shared/names.js';
import { buildApp } from './app.js';
import { type DeployStage, type StageConfig, stageConfig } from './config/stages.js';
import type { RiskGateStage } from './stage.js';

/**
 * Preflight: the checks a deploy must pass, runnable before `cdk deploy` and in CI. It
 * validates the stage config with the same schema functions run at cold start, then
 * synthesises the stage and checks its templates for the platform's guardrails.
 */
export interface PreflightResult {
  readonly stage: string;
  readonly problems: readonly string[];
  readonly checks: number;
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string }>;

export function runPreflight(stage: string, runtimeOverrides: Record<string, string> = {}): PreflightResult {
  let config: StageConfig;
  try {
    const base = stageConfig(stage);
    config = stageConfig(stage, { runtime: { ...base.runtime, ...runtimeOverrides } as StageConfig['runtime'] });
  } catch (error) {
    const problems = error instanceof ConfigError ? error.problems : [(error as Error).message];
    return { stage, problems, checks: 0 };
  }
  const app = new App({ context: { stage, account: '123456789012', buildVersion: 'preflight' } });
  buildApp(app);
  const built = app.node.findChild(`risk-gate-${stage}`) as RiskGateStage;
  const resources: Resources = {};
  for (const stack of [built.stateful, built.stateless]) {
    Object.assign(resources, Template.fromStack(stack).toJSON().Resources as Resources);
  }
  return { stage, ...checkTemplates(resources, config) };
}

/** Guardrails on synthesised resources; production-only rules apply when the stage is prod. */
export function checkTemplates(resources: Resources, config: StageConfig): { problems: string[]; checks: number } {
  const problems: string[] = [];
  let checks = 0;
  const prod = (config.stage as DeployStage) === 'prod';
  const expect = (ok: boolean, problem: string) => {
    checks++;
    if (!ok) problems.push(problem);
  };
  const of = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

  const clusters = of('AWS::RDS::DBCluster');
  expect(clusters.length > 0, 'no Aurora cluster in the stage');
  for (const [id, cluster] of clusters) {
    const p = cluster.Properties ?? {};
    expect(p.StorageEncrypted === true, `${id}: Aurora storage is not encrypted`);
    expect(Number(p.BackupRetentionPeriod ?? 0) >= 7, `${id}: Aurora backup retention below 7 days`);
    if (prod) {
      expect(p.DeletionProtection === true, `${id}: Aurora deletion protection is off in prod`);
      expect(
        ['Retain', 'Snapshot'].includes(cluster.DeletionPolicy ?? ''),
        `${id}: Aurora is not retained on stack deletion`,
      );
    }
  }
  if (prod) {
    expect(of('AWS::RDS::DBInstance').length >= 2, 'prod Aurora needs a writer and at least one reader');
  }
  for (const [id, group] of of('AWS::ElastiCache::ReplicationGroup')) {
    const p = group.Properties ?? {};
    expect(p.TransitEncryptionEnabled === true, `${id}: ElastiCache without TLS in transit`);
    expect(p.AtRestEncryptionEnabled === true, `${id}: ElastiCache without encryption at rest`);
    expect(Number(p.SnapshotRetentionLimit ?? 0) >= 1, `${id}: ElastiCache keeps no snapshots`);
    if (prod) {
      expect(p.AutomaticFailoverEnabled === true, `${id}: ElastiCache automatic failover is off in prod`);
      expect(p.MultiAZEnabled === true, `${id}: ElastiCache is not Multi-AZ in prod`);
    }
  }
  for (const [id, stream] of of('AWS::Kinesis::Stream')) {
    expect(Boolean(stream.Properties?.StreamEncryption), `${id}: Kinesis stream is not encrypted`);
  }
  for (const [id, fn] of of('AWS::Lambda::Function')) {
    const env = ((fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ??
      {}) as Record<string, unknown>;
    if (!('STAGE' in env)) continue; // CDK's own helper functions
    expect(env.STAGE === config.stage, `${id}: STAGE is ${String(env.STAGE)}, not ${config.stage}`);
    expect(env.SIMULATION_MODE !== 'true' || !prod, `${id}: SIMULATION_MODE=true in prod`);
    expect(env.ALLOW_INSECURE_DEFAULTS !== 'true' || !prod, `${id}: ALLOW_INSECURE_DEFAULTS=true in prod`);
    expect(env.REDIS_TLS !== 'false' && env.DATABASE_TLS !== 'false', `${id}: a store connection without TLS`);
    expect(!('DATABASE_URL' in env), `${id}: DATABASE_URL (credentials in the environment)`);
  }
  return { problems, checks };
}

/** What `preflight --check-secrets` needs from the stage's AWS account (a fake in tests). */
export interface SecretsPreflightInput {
  readonly stage: string;
  /** Reads a secret's string with the stage's credentials; null when it does not exist. */
  readonly read: (secretId: string) => Promise<string | null>;
  /** The CoinGecko key secret (the stateful stack's `CoinGeckoApiKeySecretArn` output). */
  readonly coinGeckoSecretId: string;
  /** Enabled trading accounts: each must have a real Kraken key before the stage trades. */
  readonly accountIds: readonly string[];
}

/**
 * The secrets half of preflight, run against a deployed stage: a placeholder left in a
 * secret degrades the stage silently (unkeyed CoinGecko, a kill switch that cannot cancel),
 * so it refuses the go-live instead. Problems name secrets, never values.
 */
export async function runSecretsPreflight(input: SecretsPreflightInput): Promise<PreflightResult> {
  let krakenKeySecrets: string[];
  try {
    krakenKeySecrets = input.accountIds.map((id) => krakenKeySecretName(input.stage, id));
  } catch (error) {
    return { stage: input.stage, problems: [(error as Error).message], checks: 0 };
  }
  const problems = await findSecretPlaceholders({
    read: input.read,
    coinGeckoSecretId: input.coinGeckoSecretId,
    krakenKeySecrets,
  });
  return { stage: input.stage, problems, checks: 1 + krakenKeySecrets.length };
}
