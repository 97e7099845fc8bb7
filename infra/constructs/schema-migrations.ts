import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CustomResource, Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { StageConfig } from '../config/stages.js';
import { acknowledgeScanFindings } from '../scan-acknowledgements.js';
import type { StatefulStack } from '../stacks/stateful-stack.js';
import { FunctionWithLogGroup } from './function-with-log-group.js';
import { acknowledgeDatabaseConnectWildcards, functionPlacement, storeEnvironment } from './store-access.js';

/** Where the SQL migrations live in the repo (shared/adapters/postgres/migrate.ts reads them beside itself). */
export const MIGRATIONS_SOURCE = 'shared/adapters/postgres/migrations';

/** A digest of every migration file: the custom resource updates (and migrates) when it changes. */
export function migrationsDigest(root: string = process.cwd()): string {
  const dir = path.join(root, MIGRATIONS_SOURCE);
  const hash = createHash('sha256');
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()) {
    hash
      .update(file)
      .update('\0')
      .update(readFileSync(path.join(dir, file)))
      .update('\0');
  }
  return hash.digest('hex');
}

export interface SchemaMigrationsProps {
  readonly stageConfig: StageConfig;
  readonly stateful: StatefulStack;
  readonly rdsCaLayer?: lambda.ILayerVersion;
}

/**
 * Applies the database migrations on deploy: a CloudFormation custom resource whose handler
 * (functions/db-migrator) runs the same migrate() as `npm start` and the tests, through RDS
 * Proxy with IAM auth, whenever a migration file changed. Deploy the functions that need a
 * schema after it (`node.addDependency`), so none serves before its tables exist; a failed
 * migration fails and rolls back the deployment.
 */
export class SchemaMigrations extends Construct {
  readonly migrator: FunctionWithLogGroup;
  readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: SchemaMigrationsProps) {
    super(scope, id);
    const { stageConfig, stateful, rdsCaLayer } = props;
    this.migrator = new FunctionWithLogGroup(this, 'Migrator', {
      entry: 'functions/db-migrator/handler.ts',
      stageConfig,
      memorySize: 256,
      timeout: Duration.minutes(5),
      environment: {
        ...storeEnvironment(stateful, 'migrator', rdsCaLayer),
        // DDL on a large partitioned table can take minutes; requests keep their 1 s budget.
        DATABASE_STATEMENT_TIMEOUT_MS: '270000',
        // The partition-maintenance job's retention: raised into the database's drop floors.
        RETENTION_RISK_DECISIONS_DAYS: String(stageConfig.retention.riskDecisionsDays),
        RETENTION_MARKET_TICKS_DAYS: String(stageConfig.retention.marketTicksDays),
        RETENTION_MARKET_BARS_DAYS: String(stageConfig.retention.marketBarsDays),
      },
      copyIntoBundle: [{ from: MIGRATIONS_SOURCE, to: 'migrations' }],
      // HTTPS out (DNS allow-listed) for the one call outside the VPC: the answer to
      // CloudFormation's pre-signed S3 URL, which the S3 gateway endpoint carries.
      functionProps: {
        ...functionPlacement(stateful, { rdsCaLayer, internetEgress: true }),
        reservedConcurrentExecutions: 1,
      },
    });
    acknowledgeScanFindings(this.migrator.function, [
      {
        id: 'CKV_AWS_116',
        reason:
          'A custom resource handler: CloudFormation waits for its answer and fails the deploy without one; a queued event would help no one.',
      },
    ]);
    // PostgreSQL only: no Redis secret, no other store.
    stateful.grantDatabaseConnect(this.migrator.role, 'migrator');
    acknowledgeDatabaseConnectWildcards([this.migrator.role]);

    this.resource = new CustomResource(this, 'Schema', {
      // The migrator answers CloudFormation itself (functions/db-migrator/handler.ts): no
      // Provider framework, whose role would carry AWSLambdaBasicExecutionRole.
      serviceToken: this.migrator.function.functionArn,
      resourceType: 'Custom::RiskGateSchema',
      // A changed retention re-runs it too, so the floors follow the stage's settings.
      properties: { MigrationsDigest: migrationsDigest(), RetentionDays: { ...stageConfig.retention } },
    });
  }
}
