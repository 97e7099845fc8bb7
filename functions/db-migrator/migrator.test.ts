import { describe, expect, it } from 'vitest';
import type { MigrationResult } from '../../shared/adapters/postgres/migrate.js';
import { onMigrationEvent, SCHEMA_RESOURCE_ID } from './migrator.js';
import type { SchemaMigrator } from './ports.js';

/** In-memory {@link SchemaMigrator}: answers a fixed result and counts the runs. */
class FixedSchemaMigrator implements SchemaMigrator {
  runs = 0;
  constructor(private readonly result: MigrationResult | Error) {}
  async applyPending(): Promise<MigrationResult> {
    this.runs++;
    if (this.result instanceof Error) throw this.result;
    return this.result;
  }
}

describe('Function: onMigrationEvent', () => {
  it('applies pending migrations on Create and reports them under the fixed physical id', async () => {
    // Prepare
    const schema = new FixedSchemaMigrator({ applied: ['001_init.sql', '002_audit.sql'], alreadyApplied: 0 });

    // Act
    const response = await onMigrationEvent({ RequestType: 'Create' }, schema);

    // Assess
    expect(schema.runs).toBe(1);
    expect(response).toEqual({
      PhysicalResourceId: SCHEMA_RESOURCE_ID,
      Data: { Applied: '001_init.sql,002_audit.sql', AlreadyApplied: '0' },
    });
  });

  it('answers "none" on an Update with nothing pending', async () => {
    const schema = new FixedSchemaMigrator({ applied: [], alreadyApplied: 7 });
    const response = await onMigrationEvent({ RequestType: 'Update', PhysicalResourceId: SCHEMA_RESOURCE_ID }, schema);
    expect(response.Data).toEqual({ Applied: 'none', AlreadyApplied: '7' });
  });

  it('never touches the schema on Delete and keeps the physical id it was given', async () => {
    const schema = new FixedSchemaMigrator(new Error('must not run'));
    const response = await onMigrationEvent({ RequestType: 'Delete', PhysicalResourceId: 'old-id' }, schema);
    expect(schema.runs).toBe(0);
    expect(response).toEqual({ PhysicalResourceId: 'old-id' });
  });

  it('lets a failed migration fail the event (so the deployment rolls back)', async () => {
    const schema = new FixedSchemaMigrator(new Error('migration 006_x.sql failed: syntax error'));
    await expect(onMigrationEvent({ RequestType: 'Update' }, schema)).rejects.toThrow(/006_x\.sql/);
  });
});
