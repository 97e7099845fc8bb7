import type { Redis } from 'ioredis';

/** Fewer replicas acknowledged a write than the stage asks for. */
export class ReplicaAckShortfallError extends Error {
  override readonly name = 'ReplicaAckShortfallError';
  constructor(
    readonly acknowledged: number,
    readonly wanted: number,
  ) {
    super(`only ${acknowledged} of ${wanted} replicas acknowledged the write`);
  }
}

/** How many replicas a control write waits for (staging and prod: 1; locally 0, no replicas). */
export interface ReplicaAckOptions {
  /** @default 0 (no wait) */
  readonly minReplicaAcks?: number;
  /** How long WAIT may block. @default 50 */
  readonly replicaAckTimeoutMs?: number;
}

/**
 * Waits until the connection's earlier writes reached `minReplicaAcks` replicas (Redis WAIT),
 * so an asynchronous failover cannot lose them. Sent AFTER the write, on its own: inside a
 * MULTI, WAIT answers at once without waiting. Throws {@link ReplicaAckShortfallError} when
 * fewer replicas answered within the timeout; the write itself stands on the primary.
 */
export async function waitForReplicas(redis: Redis, options: ReplicaAckOptions): Promise<void> {
  const wanted = options.minReplicaAcks ?? 0;
  if (wanted === 0) return;
  const acknowledged = Number(await redis.wait(wanted, options.replicaAckTimeoutMs ?? 50));
  if (acknowledged < wanted) throw new ReplicaAckShortfallError(acknowledged, wanted);
}
