import { describe, expect, it } from 'vitest';
import { KillSwitchNotEngagedError, SecondApproverRequiredError } from '../../shared/domain/controls/errors.js';
import { StateUnavailableError } from '../../shared/domain/errors.js';
import { KillSwitchService } from './kill-switch-service.js';
import { MemoryControlLog, MemoryKillSwitchStore } from './test-support/memory-ports.js';

function service(options: { failing?: ('events' | 'notifier')[] } = {}) {
  const store = new MemoryKillSwitchStore();
  const log = new MemoryControlLog();
  const published: string[] = [];
  const notified: string[] = [];
  let clock = 1_000_000;
  const killSwitch = new KillSwitchService({
    store,
    log,
    events: {
      async publish(_event, detailType) {
        if (options.failing?.includes('events')) throw new Error('bus down');
        published.push(detailType);
      },
    },
    notifier: {
      async notify(subject) {
        if (options.failing?.includes('notifier')) throw new Error('topic gone');
        notified.push(subject);
      },
    },
    now: () => clock,
    newId: () => '00000000-0000-4000-8000-000000000001',
  });
  const advance = (ms: number) => {
    clock += ms;
  };
  return { killSwitch, store, log, published, notified, advance };
}

const engageGlobal = {
  scope: 'global',
  target: '*',
  reason: 'drill',
  actor: 'alice',
  allow_reduce_only: true,
} as const;
const releaseGlobal = (actor: string) => ({ scope: 'global', target: '*', actor, reason: 'drill over' }) as const;

describe('Class: KillSwitchService', () => {
  describe('Method: engage', () => {
    it('engages, logs, publishes and notifies: outcome complete', async () => {
      // Prepare
      const { killSwitch, store, log, published, notified } = service();

      // Act
      const result = await killSwitch.engage(engageGlobal);

      // Assess
      expect(result.outcome).toBe('complete');
      expect(result.failedChannels).toEqual([]);
      expect(await store.get('global', '*')).toMatchObject({ engaged: true, actor: 'alice' });
      expect(log.entries.map((e) => e.action)).toEqual(['engage']);
      expect(published).toEqual(['KILL_SWITCH_TRIGGERED']);
      expect(notified).toEqual(['KILL SWITCH ENGAGED: global *']);
    });

    it('stays engaged when channels fail, with outcome partial naming them', async () => {
      // Prepare
      const { killSwitch, store } = service({ failing: ['notifier', 'events'] });

      // Act
      const result = await killSwitch.engage(engageGlobal);

      // Assess
      expect(result.outcome).toBe('partial');
      expect(result.failedChannels).toEqual(['event', 'notification']);
      expect(await store.get('global', '*')).not.toBeNull();
    });

    it('fails closed with StateUnavailableError when the state cannot be written', async () => {
      // Prepare
      const { killSwitch, store, published } = service();
      store.failEngage = true;

      // Act
      const engaging = killSwitch.engage(engageGlobal);

      // Assess
      await expect(engaging).rejects.toBeInstanceOf(StateUnavailableError);
      expect(published).toEqual([]);
    });
  });

  describe('Method: approveRelease', () => {
    it('refuses a release of a scope not engaged with KillSwitchNotEngagedError', async () => {
      // Prepare
      const { killSwitch } = service();

      // Act
      const releasing = killSwitch.approveRelease(releaseGlobal('alice'));

      // Assess
      await expect(releasing).rejects.toBeInstanceOf(KillSwitchNotEngagedError);
    });

    it('keeps one approval pending, refuses the same approver, releases with a second one', async () => {
      // Prepare
      const { killSwitch, store, advance, published } = service();
      await killSwitch.engage(engageGlobal);

      // Act
      const first = await killSwitch.approveRelease(releaseGlobal('alice'));
      advance(1_000);
      const again = await killSwitch.approveRelease(releaseGlobal('alice')).catch((error: unknown) => error);
      const second = await killSwitch.approveRelease(releaseGlobal('bob'));

      // Assess
      expect(first).toEqual({ released: false, approvers: ['alice'] });
      expect(again).toBeInstanceOf(SecondApproverRequiredError);
      expect((again as SecondApproverRequiredError).approvers).toEqual(['alice']);
      expect(second).toEqual({ released: true, approvers: ['alice', 'bob'] });
      expect(await store.get('global', '*')).toBeNull();
      expect(published).toEqual(['KILL_SWITCH_TRIGGERED', 'KILL_SWITCH_RELEASED']);
    });
  });
});
