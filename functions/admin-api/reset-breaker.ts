import { StateUnavailableError } from '../../shared/domain/errors.js';
import type { BreakerPanel, BreakerResetAudit } from './ports.js';

export interface ResetBreakerDeps {
  readonly breakers: BreakerPanel;
  readonly audit: BreakerResetAudit;
  readonly now: () => number;
  readonly newId: () => string;
}

/**
 * Clears every cause of a symbol's breaker, audited first; returns the causes it cleared.
 * A store that cannot take its part is a `StateUnavailableError` naming it.
 */
export async function resetBreaker(
  request: { symbol: string; actor: string; reason: string },
  deps: ResetBreakerDeps,
): Promise<{ cleared: string[] }> {
  const { symbol, actor, reason } = request;
  const resetId = deps.newId();
  const atMs = deps.now();
  const why = `manual reset by ${actor}: ${reason}`;
  // Audit before the change, so no reset ever happens off the record: if Postgres cannot
  // take the row, the breaker stays as it is.
  const before = await deps.breakers.tripped(symbol).catch((error: unknown) => {
    throw new StateUnavailableError('redis', { cause: error });
  });
  await deps.audit.recordManualReset(symbol, before, why, resetId, atMs).catch((error: unknown) => {
    throw new StateUnavailableError('postgres', { cause: error });
  });
  const cleared = await deps.breakers.reset(symbol, why, atMs).catch((error: unknown) => {
    throw new StateUnavailableError('redis', { cause: error });
  });
  // A cause that tripped between the read and the reset was cleared too: record it.
  const late = cleared.filter((cause) => !before.includes(cause));
  if (late.length > 0) await deps.audit.recordManualReset(symbol, late, why, resetId, atMs);
  return { cleared };
}
