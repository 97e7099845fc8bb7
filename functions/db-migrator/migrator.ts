import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import type { MigrationResponse, SchemaMigrator } from './ports.js';

/** One schema per database: the physical id never changes, so CloudFormation never replaces it. */
export const SCHEMA_RESOURCE_ID = 'risk-gate-schema';

/**
 * Applies the pending migrations on Create and Update (a deploy whose migrations changed),
 * under migrate()'s advisory lock, with the same code and files `npm start` and the tests
 * use. Delete does nothing: tearing down a stack never drops data (the cluster's removal
 * policy decides). A failure fails the deployment, which CloudFormation rolls back before
 * any function that needs the new schema goes live.
 */
export async function onMigrationEvent(
  event: Pick<CloudFormationCustomResourceEvent, 'RequestType'> & { PhysicalResourceId?: string },
  schema: SchemaMigrator,
  log: (message: string, extra: Record<string, unknown>) => void = () => undefined,
): Promise<MigrationResponse> {
  if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId ?? SCHEMA_RESOURCE_ID };
  const result = await schema.applyPending();
  log('schema migrated', { applied: result.applied, alreadyApplied: result.alreadyApplied });
  return {
    PhysicalResourceId: SCHEMA_RESOURCE_ID,
    Data: { Applied: result.applied.join(',') || 'none', AlreadyApplied: String(result.alreadyApplied) },
  };
}
