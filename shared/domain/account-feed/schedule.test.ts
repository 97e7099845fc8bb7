import { describe, expect, it } from 'vitest';
import { DeadMansSwitchSchedule } from './dead-mans-switch.js';
import { DedupWindow } from './dedup-window.js';
import { evaluateAccountFeed } from './feed-status.js';
import { ownsAccount, shardOf } from './sharding.js';
import { vetOrder } from './unvetted.js';

const healthy = { healthy: true, reasons: [] };

describe('Class: DeadMansSwitchSchedule', () => {
  it('arms at once, then every refresh period while the gate is healthy', () => {
    // Prepare
    const schedule = new DeadMansSwitchSchedule({ timeoutSeconds: 60, refreshMs: 15_000 });

    // Act
    const first = schedule.decide(0, healthy);
    schedule.armed(0);
    const early = schedule.decide(10_000, healthy);
    const due = schedule.decide(15_000, healthy);

    // Assess
    expect(first).toEqual({ action: 'arm', timeoutSeconds: 60 });
    expect(early).toEqual({ action: 'wait', dueInMs: 5_000 });
    expect(due.action).toBe('arm');
    expect(schedule.deadline()).toBe(60_000);
  });

  it('withholds every refresh while the gate is unhealthy, so Kraken’s deadline runs out', () => {
    // Prepare
    const schedule = new DeadMansSwitchSchedule({ timeoutSeconds: 60, refreshMs: 15_000 });
    schedule.armed(0);

    // Act
    const decisions = [15_000, 30_000, 59_000].map((t) =>
      schedule.decide(t, { healthy: false, reasons: ['marks_stale'] }),
    );

    // Assess
    expect(decisions.every((d) => d.action === 'withhold')).toBe(true);
    expect(schedule.deadline()).toBe(60_000);
  });

  it('refuses a refresh period that leaves less than two refreshes per countdown', () => {
    expect(() => new DeadMansSwitchSchedule({ timeoutSeconds: 60, refreshMs: 31_000 })).toThrow(RangeError);
    expect(() => new DeadMansSwitchSchedule({ timeoutSeconds: 0, refreshMs: 1 })).toThrow(RangeError);
  });

  it('retries on the next tick after a failed refresh', () => {
    const schedule = new DeadMansSwitchSchedule({ timeoutSeconds: 60, refreshMs: 15_000 });
    schedule.armed(0);
    schedule.refreshFailed();
    expect(schedule.decide(1_000, healthy).action).toBe('arm');
  });
});

describe('Class: DedupWindow', () => {
  it('lets an id through once and forgets the oldest beyond its capacity', () => {
    const window = new DedupWindow(2);
    expect([window.firstSeen('a'), window.firstSeen('a'), window.firstSeen('b'), window.firstSeen('c')]).toEqual([
      true,
      false,
      true,
      true,
    ]);
    expect(window.firstSeen('a')).toBe(true);
  });
});

describe('Function: evaluateAccountFeed', () => {
  const live = {
    keyAvailable: true,
    connected: true,
    snapshotReceived: true,
    lastMessageMs: 1_000,
    publishFailing: false,
  };

  it('is live only with a key, a connection, a snapshot, recent frames and a working publisher', () => {
    expect(evaluateAccountFeed(live, 5_000, 10_000)).toEqual({ state: 'live', reason: 'ok' });
    expect(evaluateAccountFeed({ ...live, keyAvailable: false }, 5_000, 10_000).reason).toBe('no_key');
    expect(evaluateAccountFeed({ ...live, connected: false }, 5_000, 10_000).reason).toBe('not_connected');
    expect(evaluateAccountFeed({ ...live, snapshotReceived: false }, 5_000, 10_000).reason).toBe('awaiting_snapshot');
    expect(evaluateAccountFeed(live, 11_001, 10_000)).toEqual({ state: 'failed_closed', reason: 'silent' });
    expect(evaluateAccountFeed({ ...live, publishFailing: true }, 5_000, 10_000).reason).toBe('publish_failing');
  });
});

describe('Function: vetOrder', () => {
  it('vets only an order whose cl_ord_id the gate accepted', () => {
    expect(vetOrder('o-1', 'accept')).toEqual({ vetted: true });
    expect(vetOrder('o-1', 'reject')).toEqual({ vetted: false, reason: 'decision_rejected' });
    expect(vetOrder('o-1', null)).toEqual({ vetted: false, reason: 'no_decision' });
    expect(vetOrder(null, 'accept')).toEqual({ vetted: false, reason: 'no_cl_ord_id' });
  });
});

describe('Function: ownsAccount', () => {
  it('gives every account to exactly one shard, the same one every time', () => {
    // Prepare
    const accounts = Array.from({ length: 200 }, (_, i) => `acct-${i}`);

    // Act
    const owners = accounts.map((a) => [0, 1, 2].filter((i) => ownsAccount(a, i, 3)));

    // Assess
    expect(owners.every((o) => o.length === 1)).toBe(true);
    expect(accounts.map((a) => shardOf(a, 3))).toEqual(accounts.map((a) => shardOf(a, 3)));
    expect(new Set(owners.map((o) => o[0])).size).toBe(3);
    expect(() => ownsAccount('a', 3, 3)).toThrow(RangeError);
  });
});
