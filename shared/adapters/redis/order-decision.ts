/**
 * The one codec of the decision stored under `REDIS_KEYS.orderId(account, orderId)`: the
 * risk API writes `{"h": requestHash, "r": response}` when it decides (first writer wins),
 * and the account feed reads it to tell a vetted order on Kraken from one that went around
 * the gate. A value it cannot read counts as no decision (the order is then reported).
 */
export interface StoredDecisionText {
  readonly requestHash: string;
  /** The decision response as the risk API answered it (at least `decision`). */
  readonly response: { readonly decision: 'accept' | 'reject' } & Record<string, unknown>;
}

export function encodeStoredDecision(stored: StoredDecisionText): string {
  return JSON.stringify({ h: stored.requestHash, r: stored.response });
}

/** The whole stored decision (what the risk API replays for a repeated order id), or null when unreadable. */
export function decodeStoredDecision(text: string): StoredDecisionText | null {
  try {
    const parsed = JSON.parse(text) as { h?: unknown; r?: { decision?: unknown } & Record<string, unknown> };
    const decision = parsed?.r?.decision;
    if (typeof parsed?.h !== 'string' || (decision !== 'accept' && decision !== 'reject')) return null;
    return { requestHash: parsed.h, response: { ...parsed.r, decision } };
  } catch {
    return null;
  }
}

/** The stored verdict, or null when the value is missing or unreadable. */
export function decodeStoredVerdict(text: string | null | undefined): 'accept' | 'reject' | null {
  if (!text) return null;
  try {
    const parsed = JSON.parse(text) as { r?: { decision?: unknown } };
    const decision = parsed?.r?.decision;
    return decision === 'accept' || decision === 'reject' ? decision : null;
  } catch {
    return null;
  }
}
