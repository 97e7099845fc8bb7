import * as z from 'zod';
import { PRODUCTION_STAGE, positiveInt } from './env.js';

/**
 * Settings of the units that write controls into the cache or compare it with the durable
 * generation (admin API, market evaluator, reference prices, state rebuild); see
 * shared/domain/state-epoch.ts. Units spread this shape into their own schema.
 */
export const stateEpochConfigShape = {
  /**
   * Replicas a kill switch or breaker write waits for (Redis WAIT, after the write), so a
   * failover cannot lose it: 1 in staging and prod, 0 where the cache has no replica.
   */
  CONTROL_MIN_REPLICA_ACKS: z.coerce.number().int().min(0).max(5).default(0),
  /** How long that WAIT may block. */
  CONTROL_REPLICA_ACK_TIMEOUT_MS: positiveInt.max(5_000).default(100),
  /**
   * How old a durable generation must be before a cache that has not reached it is behind
   * (a control change in flight has advanced PostgreSQL and not yet the cache).
   */
  STATE_EPOCH_GRACE_MS: positiveInt.max(120_000).default(10_000),
};

const stateEpochObject = z.object({ STAGE: z.string(), ...stateEpochConfigShape });
export type StateEpochConfig = z.output<typeof stateEpochObject>;

/** Production refuses control writes that wait for no replica (prod runs two). */
export function checkStateEpochConfig(config: StateEpochConfig, ctx: z.RefinementCtx): void {
  if (config.STAGE === PRODUCTION_STAGE && config.CONTROL_MIN_REPLICA_ACKS < 1) {
    ctx.addIssue({
      code: 'custom',
      path: ['CONTROL_MIN_REPLICA_ACKS'],
      message: `is refused below 1 when STAGE=${PRODUCTION_STAGE}: a failover would lose the last kill switch engage`,
    });
  }
}

/** The options of a {@link StateEpochStore} (shared/adapters/state-epoch.ts) from these settings. */
export function stateEpochOptions(config: StateEpochConfig) {
  return {
    minReplicaAcks: config.CONTROL_MIN_REPLICA_ACKS,
    replicaAckTimeoutMs: config.CONTROL_REPLICA_ACK_TIMEOUT_MS,
    graceMs: config.STATE_EPOCH_GRACE_MS,
  };
}
