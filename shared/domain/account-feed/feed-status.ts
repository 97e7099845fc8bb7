/**
 * Whether one account's private feed can be trusted right now. The risk API rejects an
 * account's orders unless this says `live`: without the feed the gate cannot see the
 * account's working orders and fills, so every exposure rule would count stale numbers.
 * Pure: the facts and the time are passed in.
 */
export type AccountFeedState = 'live' | 'failed_closed';

export type AccountFeedReason =
  | 'ok'
  | 'no_key'
  | 'not_connected'
  | 'awaiting_snapshot'
  | 'silent'
  | 'publish_failing'
  | 'stopped';

export interface AccountFeedFacts {
  readonly keyAvailable: boolean;
  readonly connected: boolean;
  /** The executions snapshot of the current connection arrived. */
  readonly snapshotReceived: boolean;
  /** Epoch ms of the last frame of any kind (heartbeats and pongs count). */
  readonly lastMessageMs: number;
  /** Events are waiting for Kinesis longer than allowed. */
  readonly publishFailing: boolean;
  readonly stopped?: boolean;
}

export interface AccountFeedVerdict {
  readonly state: AccountFeedState;
  readonly reason: AccountFeedReason;
}

export function evaluateAccountFeed(facts: AccountFeedFacts, nowMs: number, maxSilenceMs: number): AccountFeedVerdict {
  const failed = (reason: AccountFeedReason): AccountFeedVerdict => ({ state: 'failed_closed', reason });
  if (facts.stopped) return failed('stopped');
  if (!facts.keyAvailable) return failed('no_key');
  if (!facts.connected) return failed('not_connected');
  if (!facts.snapshotReceived) return failed('awaiting_snapshot');
  if (nowMs - facts.lastMessageMs > maxSilenceMs) return failed('silent');
  if (facts.publishFailing) return failed('publish_failing');
  return { state: 'live', reason: 'ok' };
}
