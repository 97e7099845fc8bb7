import type { PoisonRecord } from '../../shared/adapters/poison-sink.js';
import type { Fill } from '../../shared/domain/positions/positions.js';

export type FillOutcome = 'applied' | 'duplicate';

/**
 * The positions ledger: the source of truth applies each fill id exactly once; the mirror
 * the risk API reads is rewritten from it with absolute values, so rewriting is harmless.
 */
export interface PositionsLedgerPort {
  apply(fill: Fill): Promise<FillOutcome>;
  /** Rewrites the hot mirror of these accounts from the source of truth. */
  mirror(accountIds: Iterable<string>): Promise<void>;
}

/** Where a fill that can never be applied is parked for a human. */
export interface PoisonFillSink {
  park(record: PoisonRecord): Promise<void>;
}
