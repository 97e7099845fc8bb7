import type { AccountFeedReason, AccountFeedState } from '../../domain/account-feed/feed-status.js';

/**
 * The one codec of the per-account private-feed hash at `REDIS_KEYS.accountFeed(accountId)`.
 * The account feed writes it every status tick; the risk API reads it before deciding on an
 * account's order and must reject unless {@link accountFeedUsable} says yes. The writer also
 * sets a TTL, so a task that dies leaves no `live` behind; `updated_ms` covers the TTL's gap.
 */
export const ACCOUNT_FEED_FIELDS = {
  state: 'status',
  reason: 'reason',
  sinceMs: 'since_ms',
  lastMessageMs: 'last_message_ms',
  updatedMs: 'updated_ms',
} as const;

export interface AccountFeedStatus {
  readonly state: AccountFeedState;
  readonly reason: AccountFeedReason | (string & {});
  /** When the state last changed. */
  readonly sinceMs: number;
  /** Last frame of any kind from Kraken on the account's connection (0 when none yet). */
  readonly lastMessageMs: number;
  /** When the writer last wrote the hash. */
  readonly updatedMs: number;
}

export function encodeAccountFeed(status: AccountFeedStatus): Record<string, string> {
  return {
    [ACCOUNT_FEED_FIELDS.state]: status.state,
    [ACCOUNT_FEED_FIELDS.reason]: status.reason,
    [ACCOUNT_FEED_FIELDS.sinceMs]: String(status.sinceMs),
    [ACCOUNT_FEED_FIELDS.lastMessageMs]: String(status.lastMessageMs),
    [ACCOUNT_FEED_FIELDS.updatedMs]: String(status.updatedMs),
  };
}

function intOrNull(text: string | undefined): number | null {
  if (text === undefined || text === '') return null;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : null;
}

/** Decodes the hash as HGETALL returns it; null when missing or any field is unreadable. */
export function decodeAccountFeed(fields: Record<string, string>): AccountFeedStatus | null {
  const state = fields[ACCOUNT_FEED_FIELDS.state];
  if (state !== 'live' && state !== 'failed_closed') return null;
  const sinceMs = intOrNull(fields[ACCOUNT_FEED_FIELDS.sinceMs]);
  const lastMessageMs = intOrNull(fields[ACCOUNT_FEED_FIELDS.lastMessageMs]);
  const updatedMs = intOrNull(fields[ACCOUNT_FEED_FIELDS.updatedMs]);
  if (sinceMs === null || lastMessageMs === null || updatedMs === null) return null;
  return { state, reason: fields[ACCOUNT_FEED_FIELDS.reason] ?? '', sinceMs, lastMessageMs, updatedMs };
}

/**
 * The reader's rule: an account may trade only when its feed is `live` and the writer spoke
 * within `maxStalenessMs` (a hash nobody refreshes is a dead writer). Anything else, a
 * missing hash included, is a rejection.
 */
export function accountFeedUsable(status: AccountFeedStatus | null, nowMs: number, maxStalenessMs: number): boolean {
  return status !== null && status.state === 'live' && nowMs - status.updatedMs <= maxStalenessMs;
}
