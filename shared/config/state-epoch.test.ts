import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { checkStateEpochConfig, stateEpochConfigShape, stateEpochOptions } from './state-epoch.js';

const schema = z.object({ STAGE: z.string(), ...stateEpochConfigShape }).superRefine(checkStateEpochConfig);

describe('Function: checkStateEpochConfig', () => {
  it('refuses control writes that wait for no replica in production, naming the variable', () => {
    // Act
    const result = schema.safeParse({ STAGE: 'prod' });

    // Assess
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['CONTROL_MIN_REPLICA_ACKS']);
  });

  it('accepts one replica in production and none where the cache has no replica', () => {
    expect(schema.safeParse({ STAGE: 'prod', CONTROL_MIN_REPLICA_ACKS: '1' }).success).toBe(true);
    expect(schema.safeParse({ STAGE: 'dev' }).success).toBe(true);
  });
});

describe('Function: stateEpochOptions', () => {
  it('hands the settings to the epoch store', () => {
    // Act
    const options = stateEpochOptions(schema.parse({ STAGE: 'staging', CONTROL_MIN_REPLICA_ACKS: '1' }));

    // Assess
    expect(options).toEqual({ minReplicaAcks: 1, replicaAckTimeoutMs: 100, graceMs: 10_000 });
  });
});
