/**
 * An order on Kraken is vetted when its `cl_ord_id` is an order id the risk API accepted
 * (the strategy validates with the id it then sends as `cl_ord_id`). Anything else (no
 * cl_ord_id, an id the gate never saw, an id it rejected) went around the gate.
 */
export type StoredVerdict = 'accept' | 'reject' | null;

export type VettingOutcome =
  | { readonly vetted: true }
  | { readonly vetted: false; readonly reason: 'no_cl_ord_id' | 'no_decision' | 'decision_rejected' };

/** What to do with an unvetted order of an account. */
export type UnvettedPolicy = 'report' | 'cancel';

export function vetOrder(clOrdId: string | null, verdict: StoredVerdict): VettingOutcome {
  if (!clOrdId) return { vetted: false, reason: 'no_cl_ord_id' };
  if (verdict === null) return { vetted: false, reason: 'no_decision' };
  if (verdict === 'reject') return { vetted: false, reason: 'decision_rejected' };
  return { vetted: true };
}
