import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { migrate } from '../../shared/adapters/postgres/migrate.js';
import { connectDatabase } from '../../shared/adapters/stores.js';
import type { MigratorConfig } from './config.js';

/** What the custom resource answers (cdk's Provider framework relays it to CloudFormation). */
export interface MigrationResponse {
  readonly PhysicalResourceId: string;
  readonly Data?: { readonly Applied: string; readonly AlreadyApplied: string };
}

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
  config: MigratorConfig,
  log: (message: string, extra: Record<string, unknown>) => void = () => undefined,
): Promise<MigrationResponse> {
  if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId ?? SCHEMA_RESOURCE_ID };
  const pool = connectDatabase(config, undefined, { connectTimeoutMs: 10_000 });
  try {
    const client = await pool.connect();
    try {
      const result = await migrate(client);
      log('schema migrated', { applied: result.applied, alreadyApplied: result.alreadyApplied });
      return {
        PhysicalResourceId: SCHEMA_RESOURCE_ID,
        Data: { Applied: result.applied.join(',') || 'none', AlreadyApplied: String(result.alreadyApplied) },
      };
    } finally {
      client.release();
    }
  } finally {
    await pool.end();
  }
}

export type CustomResourceOutcome =
  | ({ readonly status: 'SUCCESS' } & MigrationResponse)
  | { readonly status: 'FAILED'; readonly reason: string; readonly PhysicalResourceId: string };

/**
 * Sends the custom resource's answer to CloudFormation: a PUT of the documented JSON body to
 * the pre-signed `ResponseURL` (no content type, which the signature does not cover).
 */
export async function respondToCloudFormation(
  event: Pick<CloudFormationCustomResourceEvent, 'ResponseURL' | 'StackId' | 'RequestId' | 'LogicalResourceId'>,
  outcome: CustomResourceOutcome,
): Promise<void> {
  const body = JSON.stringify({
    Status: outcome.status,
    Reason: outcome.status === 'FAILED' ? outcome.reason : 'see the migrator log group',
    PhysicalResourceId: outcome.PhysicalResourceId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    Data: outcome.status === 'SUCCESS' ? outcome.Data : undefined,
  });
  const response = await fetch(event.ResponseURL, {
    method: 'PUT',
    headers: { 'content-type': '', 'content-length': String(Buffer.byteLength(body)) },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`CloudFormation response refused: HTTP ${response.status}`);
}
