import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type App, AssetStaging } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEPLOY_STAGES, STAGE_CONFIGS, stageConfig } from './config/stages.js';
import { MIGRATIONS_SOURCE, migrationsDigest } from './constructs/schema-migrations.js';
import { nagFindings, stacksOf, stageOf, synthApp, templateOf } from './test-helpers.js';

const ROOT = path.resolve(import.meta.dirname, '..');

let app: App;

beforeAll(() => {
  // Bundles are read from prod only; the other stages' templates are the same shape.
  app = synthApp({}, { bundle: 'prod' });
}, 120_000);

describe('CDK app', () => {
  it('builds every stage, each split into a stateful and a stateless stack', () => {
    for (const stage of DEPLOY_STAGES) {
      const built = stageOf(app, stage);
      expect(built.stateful.stackName).toContain('Stateful');
      expect(built.stateless.stackName).toContain('Stateless');
    }
  });

  it('passes cdk-nag AwsSolutionsChecks on every stack with no unsuppressed finding', () => {
    const stacks = stacksOf(app);
    expect(stacks.length).toBe(DEPLOY_STAGES.length * 2);
    const findings = stacks.flatMap((stack) => nagFindings(stack));
    expect(findings).toEqual([]);
  });

  it('gives every cdk-nag suppression a written reason', () => {
    for (const stack of stacksOf(app)) {
      const resources = templateOf(stack).toJSON().Resources as Record<string, { Metadata?: Record<string, unknown> }>;
      for (const [logicalId, resource] of Object.entries(resources)) {
        const rules = (resource.Metadata?.cdk_nag as { rules_to_suppress?: { id: string; reason?: string }[] })
          ?.rules_to_suppress;
        for (const rule of rules ?? []) {
          expect(rule.reason?.length ?? 0, `${stack.stackName}/${logicalId} ${rule.id}`).toBeGreaterThanOrEqual(20);
        }
      }
    }
  });

  it('deploys the health function as the house Lambda: Node 22, arm64, X-Ray, source maps, own log group', () => {
    const template = templateOf(stageOf(app, 'prod').stateless);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: Match.objectLike({ LogFormat: 'JSON', LogGroup: Match.anyValue() }),
      Environment: {
        Variables: Match.objectLike({
          STAGE: 'prod',
          SIMULATION_MODE: 'false',
          ALLOW_INSECURE_DEFAULTS: 'false',
          NODE_OPTIONS: '--enable-source-maps',
        }),
      },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
    template.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain' });
  });

  it('migrates the schema on deploy before anything that uses the database, with the migrations in the bundle', () => {
    const prod = stageOf(app, 'prod');
    const template = templateOf(prod.stateless);
    const schema = template.findResources('Custom::RiskGateSchema');
    const [schemaId, resource] = Object.entries(schema)[0] ?? [];
    expect(Object.keys(schema)).toHaveLength(1);
    expect(resource?.Properties).toMatchObject({
      MigrationsDigest: migrationsDigest(),
      ServiceToken: { 'Fn::GetAtt': [expect.stringMatching(/^SchemaMigratorFunction/), 'Arn'] },
    });
    const functions = template.findResources('AWS::Lambda::Function');
    const [migratorId, migrator] =
      Object.entries(functions).find(([id]) => id.startsWith('SchemaMigratorFunction')) ?? [];
    expect(migrator?.Properties.Environment.Variables).toMatchObject({
      DATABASE_AUTH: 'iam',
      DATABASE_TLS: 'true',
      DATABASE_STATEMENT_TIMEOUT_MS: '270000',
    });
    expect(migrator?.Properties.Environment.Variables.REDIS_AUTH_SECRET_ID).toBeDefined(); // shared env, unused
    // What ships: the bundle and, beside it, every migration file migrate() will read.
    const staging = prod.stateless.schema.migrator.function.node
      .findAll()
      .find((c): c is AssetStaging => c instanceof AssetStaging);
    const assetDir = staging?.absoluteStagedPath as string;
    expect(readdirSync(path.join(assetDir, 'migrations')).sort()).toEqual(
      readdirSync(path.join(ROOT, MIGRATIONS_SOURCE))
        .filter((f) => f.endsWith('.sql'))
        .sort(),
    );
    // The risk API's function waits for the schema.
    const riskHandler = Object.entries(functions).find(([id]) => id.startsWith('RiskApiHandler'))?.[1];
    expect(riskHandler?.DependsOn).toEqual(expect.arrayContaining([schemaId]));
    // So do the partition-maintenance job and the ingester (it writes the instruments table).
    const partitionJob = Object.entries(functions).find(([id]) => id.startsWith('PartitionMaintenanceJob'))?.[1];
    expect(partitionJob?.DependsOn).toEqual(expect.arrayContaining([schemaId]));
    const ingesterService = Object.values(template.findResources('AWS::ECS::Service'))[0];
    expect(ingesterService?.DependsOn).toEqual(expect.arrayContaining([schemaId]));
    expect(migratorId).toBeDefined();
  });

  it('bundles every Lambda self-contained: no import left for the runtime to resolve (the SDK included)', () => {
    const stateless = stageOf(app, 'prod').stateless;
    const bundles = stateless.node
      .findAll()
      .filter((c): c is AssetStaging => c instanceof AssetStaging)
      .map((staging) => path.join(staging.absoluteStagedPath, 'index.mjs'))
      .filter((file) => existsSync(file));
    expect(bundles.length).toBeGreaterThanOrEqual(8);
    for (const file of bundles) {
      const code = readFileSync(file, 'utf8');
      // Static and dynamic ESM imports of a package (not node:, not relative): the Lambda
      // runtime would have to supply it. (Optional require()s inside the SDK stay, guarded.)
      const specifiers = [
        ...code.matchAll(/\bimport[\w\s{},*$]*from"([^"]+)"/g),
        ...code.matchAll(/\bimport\("([^"]+)"\)/g),
      ].map((m) => m[1] as string);
      expect(specifiers.length).toBeGreaterThan(0);
      const bare = specifiers.filter((spec) => !spec.startsWith('node:') && !spec.startsWith('.'));
      expect(bare, file).toEqual([]);
    }
  });

  it('never attaches the account-wide AWSLambdaBasicExecutionRole', () => {
    for (const stack of stacksOf(app)) {
      const roles = templateOf(stack).findResources('AWS::IAM::Role');
      expect(JSON.stringify(roles)).not.toContain('AWSLambdaBasicExecutionRole');
    }
  });

  it('lets dev throw its log groups away but keeps staging and prod data', () => {
    templateOf(stageOf(app, 'dev').stateful).hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
    templateOf(stageOf(app, 'staging').stateful).hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
    templateOf(stageOf(app, 'prod').stateful).hasResource('AWS::KMS::Key', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ EnableKeyRotation: true }),
    });
  });
});

describe('Function: stageConfig', () => {
  it('refuses a prod config with simulation mode on, naming the setting', () => {
    expect(() =>
      stageConfig('prod', {
        runtime: { ...STAGE_CONFIGS.prod.runtime, SIMULATION_MODE: 'true' },
      }),
    ).toThrow(/SIMULATION_MODE=true is refused when STAGE=prod/);
  });

  it('refuses a prod config with insecure defaults allowed, naming the setting', () => {
    expect(() =>
      stageConfig('prod', {
        runtime: { ...STAGE_CONFIGS.prod.runtime, ALLOW_INSECURE_DEFAULTS: 'true' },
      }),
    ).toThrow(/ALLOW_INSECURE_DEFAULTS=true is refused when STAGE=prod/);
  });

  it('refuses an unknown stage', () => {
    expect(() => stageConfig('production')).toThrow(/unknown stage "production"/);
  });
});
