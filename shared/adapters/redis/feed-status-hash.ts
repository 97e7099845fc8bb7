/**
 * The one codec of the feed status hash at `REDIS_KEYS.feedStatus`: the ingester writes it
 * through {@link encodeFeedStatus}, and any reader (the risk API, an operator script) decodes
 * it through {@link decodeFeedStatus}, so the field layout and the status vocabulary exist
 * once. All fields are strings in Redis.
 */

/** Feed states, from usable to unusable. */
export const FEED_STATUSES = ['live', 'degraded', 'stale'] as const;
export type FeedStatus = (typeof FEED_STATUSES)[number];

/** The ingester's feed state and since when it holds. */
export interface FeedState {
  readonly status: FeedStatus;
  /** Machine-readable cause, e.g. `kinesis_buffer_overflow`, `kraken_maintenance`. */
  readonly reason: string;
  readonly sinceMs: number;
}

export const FEED_STATUS_FIELDS = {
  status: 'status',
  reason: 'reason',
  sinceMs: 'since_ms',
} as const satisfies Record<keyof FeedState, string>;

/** The whole hash: every write replaces all three fields, so a reader never sees a mix of two states. */
export function encodeFeedStatus(state: FeedState): Record<string, string> {
  return {
    [FEED_STATUS_FIELDS.status]: state.status,
    [FEED_STATUS_FIELDS.reason]: state.reason,
    [FEED_STATUS_FIELDS.sinceMs]: String(state.sinceMs),
  };
}

function isFeedStatus(text: string | undefined): text is FeedStatus {
  return (FEED_STATUSES as readonly (string | undefined)[]).includes(text);
}

/**
 * Decodes the hash (as HGETALL returns it). An unknown status or an unreadable time is no
 * state at all, so a reader treats the feed as unknown (fail closed) instead of guessing.
 */
export function decodeFeedStatus(fields: Record<string, string>): FeedState | null {
  const status = fields[FEED_STATUS_FIELDS.status];
  const sinceMs = Number(fields[FEED_STATUS_FIELDS.sinceMs]);
  if (!isFeedStatus(status) || !fields[FEED_STATUS_FIELDS.sinceMs] || !Number.isSafeInteger(sinceMs)) return null;
  return { status, reason: fields[FEED_STATUS_FIELDS.reason] ?? '', sinceMs };
}
