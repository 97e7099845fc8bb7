import { describe, expect, it } from 'vitest';
import { accountFeedUsable, decodeAccountFeed, encodeAccountFeed } from './account-feed-hash.js';
import { decodeStoredVerdict, encodeStoredDecision } from './order-decision.js';

const live = { state: 'live' as const, reason: 'ok', sinceMs: 1_000, lastMessageMs: 4_000, updatedMs: 5_000 };

describe('Function: decodeAccountFeed', () => {
  it('reads back what encodeAccountFeed wrote', () => {
    expect(decodeAccountFeed(encodeAccountFeed(live))).toEqual(live);
  });

  it('gives no status for a missing hash, an unknown state or an unreadable time', () => {
    expect(decodeAccountFeed({})).toBeNull();
    expect(decodeAccountFeed({ ...encodeAccountFeed(live), status: 'ok' })).toBeNull();
    expect(decodeAccountFeed({ ...encodeAccountFeed(live), updated_ms: 'soon' })).toBeNull();
  });
});

describe('Function: accountFeedUsable', () => {
  it('lets an account trade only on a live status its writer refreshed recently', () => {
    expect(accountFeedUsable(live, 6_000, 3_000)).toBe(true);
    expect(accountFeedUsable(live, 8_001, 3_000)).toBe(false);
    expect(accountFeedUsable({ ...live, state: 'failed_closed', reason: 'silent' }, 5_000, 3_000)).toBe(false);
    expect(accountFeedUsable(null, 5_000, 3_000)).toBe(false);
  });
});

describe('Function: decodeStoredVerdict', () => {
  it('reads the verdict the risk API stored and nothing from an unreadable value', () => {
    expect(decodeStoredVerdict(encodeStoredDecision({ requestHash: 'h', response: { decision: 'accept' } }))).toBe(
      'accept',
    );
    expect(decodeStoredVerdict('{"h":"x","r":{"decision":"reject"}}')).toBe('reject');
    expect(decodeStoredVerdict('not json')).toBeNull();
    expect(decodeStoredVerdict(null)).toBeNull();
  });
});
