import { describe, expect, it } from 'vitest';
import type { EpochVerdict, StateEpoch } from '../../shared/domain/state-epoch.js';
import type { DurableState, DurableStateSource, HotStateStore, RestoreCounts } from './ports.js';
import { RebuildUnsettledError, rebuildState } from './rebuild-state.js';

const EMPTY: DurableState = {
  killSwitches: [],
  releasedEventIds: new Set(),
  breakerTrips: [],
  instruments: [],
  universe: null,
  accounts: [],
};
const COUNTS: RestoreCounts = {
  killSwitchesEngaged: 0,
  killSwitchesCleared: 0,
  breakerTrips: 0,
  instruments: 0,
  universe: 0,
  accounts: 0,
  workingOrders: 0,
  balances: 0,
};

/** The durable side: a generation that control changes advance, and a state to read. */
class MemoryDurable implements DurableStateSource {
  generationNow = 4;
  /** Advances the generation during the next N reads (a control change landing mid-restore). */
  changesDuringRead = 0;
  reads = 0;
  async generation() {
    return this.generationNow;
  }
  async read() {
    this.reads++;
    if (this.changesDuringRead > 0) {
      this.changesDuringRead--;
      this.generationNow++;
    }
    return EMPTY;
  }
}

/** The cache side, recording the order of what was done to it. */
class MemoryHot implements HotStateStore {
  epoch: StateEpoch | null = null;
  verdict: EpochVerdict = { kind: 'missing' };
  readonly steps: string[] = [];
  async verifyEpoch() {
    return this.verdict;
  }
  async dropEpoch() {
    this.steps.push('drop');
    this.epoch = null;
  }
  async restore() {
    this.steps.push('restore');
    return COUNTS;
  }
  async writeEpoch(epoch: StateEpoch) {
    this.steps.push('epoch');
    this.epoch = epoch;
  }
}

function clock(start = 1_000) {
  let now = start;
  return () => (now += 5);
}

describe('Function: rebuildState', () => {
  it('leaves a current cache alone', async () => {
    // Prepare
    const hot = new MemoryHot();
    hot.verdict = { kind: 'current', generation: 4 };

    // Act
    const outcome = await rebuildState({ durable: new MemoryDurable(), hot, now: clock() });

    // Assess
    expect(outcome).toEqual({ action: 'skipped', generation: 4 });
    expect(hot.steps).toEqual([]);
  });

  it('restores a cache without an epoch and writes the epoch last, at the durable generation', async () => {
    // Prepare
    const hot = new MemoryHot();

    // Act
    const outcome = await rebuildState({ durable: new MemoryDurable(), hot, now: clock() });

    // Assess
    expect(hot.steps).toEqual(['drop', 'restore', 'epoch']);
    expect(hot.epoch).toMatchObject({ generation: 4, writtenBy: 'rebuild:missing' });
    expect(outcome).toMatchObject({ action: 'rebuilt', trigger: 'missing', generation: 4, attempts: 1 });
    expect(outcome.action === 'rebuilt' && outcome.durationMs).toBeGreaterThan(0);
  });

  it('rebuilds a cache found behind, and a current one when forced', async () => {
    // Prepare
    const behind = new MemoryHot();
    behind.verdict = { kind: 'behind', cacheGeneration: 2, durableGeneration: 4 };
    const current = new MemoryHot();
    current.verdict = { kind: 'current', generation: 4 };

    // Act
    const fromBehind = await rebuildState({ durable: new MemoryDurable(), hot: behind, now: clock() });
    const forced = await rebuildState({ durable: new MemoryDurable(), hot: current, now: clock() }, { force: true });

    // Assess
    expect(fromBehind).toMatchObject({ action: 'rebuilt', trigger: 'behind' });
    expect(forced).toMatchObject({ action: 'rebuilt', trigger: 'forced' });
    expect(current.steps).toEqual(['drop', 'restore', 'epoch']);
  });

  it('restores again when a control change lands during the restore, and writes the newer generation', async () => {
    // Prepare
    const durable = new MemoryDurable();
    durable.changesDuringRead = 1;
    const hot = new MemoryHot();

    // Act
    const outcome = await rebuildState({ durable, hot, now: clock() });

    // Assess
    expect(hot.steps).toEqual(['drop', 'restore', 'restore', 'epoch']);
    expect(outcome).toMatchObject({ action: 'rebuilt', generation: 5, attempts: 2 });
  });

  it('never writes the epoch while the generation keeps moving: the cache stays refused', async () => {
    // Prepare
    const durable = new MemoryDurable();
    durable.changesDuringRead = 10;
    const hot = new MemoryHot();

    // Act & Assess
    await expect(rebuildState({ durable, hot, now: clock(), attempts: 3 })).rejects.toBeInstanceOf(
      RebuildUnsettledError,
    );
    expect(hot.epoch).toBeNull();
    expect(hot.steps).not.toContain('epoch');
  });
});
