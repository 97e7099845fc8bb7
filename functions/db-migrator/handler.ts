import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { logger } from '../../shared/runtime/observability.js';
import { respondToCloudFormation } from './cloudformation-response.js';
import { loadMigratorConfig } from './config.js';
import { onMigrationEvent } from './migrator.js';
import type { CustomResourceOutcome } from './ports.js';
import { PostgresSchemaMigrator } from './postgres-schema-migrator.js';

/**
 * The schema custom resource's own handler (infra/constructs/schema-migrations.ts): CloudFormation
 * invokes it directly and waits for the answer at the event's pre-signed ResponseURL, so every
 * path, failure included, ends in exactly one response.
 */
const config = loadMigratorConfig();
const schema = new PostgresSchemaMigrator(config);

export const handler = middy(async (event: CloudFormationCustomResourceEvent) => {
  let outcome: CustomResourceOutcome;
  try {
    outcome = { status: 'SUCCESS', ...(await onMigrationEvent(event, schema, (m, extra) => logger.info(m, extra))) };
  } catch (error) {
    logger.error('schema migration failed', { error: String(error) });
    outcome = {
      status: 'FAILED',
      reason: `migration failed: ${String(error).slice(0, 400)}`,
      PhysicalResourceId: 'PhysicalResourceId' in event ? event.PhysicalResourceId : 'risk-gate-schema-failed',
    };
  }
  await respondToCloudFormation(event, outcome);
  return outcome;
}).use(injectLambdaContext(logger));
