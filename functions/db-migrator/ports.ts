import type { MigrationResult } from '../../shared/adapters/postgres/migrate.js';

/** The database schema, as the migration use case sees it. */
export interface SchemaMigrator {
  /** Applies every pending migration (serialised with other runners); history is never rewritten. */
  applyPending(): Promise<MigrationResult>;
}

/** What the custom resource answers CloudFormation. */
export interface MigrationResponse {
  readonly PhysicalResourceId: string;
  readonly Data?: { readonly Applied: string; readonly AlreadyApplied: string };
}

/** The one answer a custom resource owes CloudFormation for each event, failures included. */
export type CustomResourceOutcome =
  | ({ readonly status: 'SUCCESS' } & MigrationResponse)
  | { readonly status: 'FAILED'; readonly reason: string; readonly PhysicalResourceId: string };
