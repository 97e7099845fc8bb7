import { describe, expect, it } from 'vitest';
import { StateUnavailableError } from './errors.js';
import { judgeEpoch, StateEpochBehindError, StateEpochMissingError } from './state-epoch.js';

const epoch = (generation: number) => ({ generation, writtenAtMs: 1_700_000_000_000, writtenBy: 'rebuild:missing' });

describe('Function: judgeEpoch', () => {
  it('refuses a cache without an epoch, whatever the durable generation', () => {
    // Act & Assess
    expect(judgeEpoch(null, 0)).toEqual({ kind: 'missing' });
    expect(judgeEpoch(null, 42)).toEqual({ kind: 'missing' });
  });

  it('finds a cache behind when it has not reached the settled durable generation', () => {
    // Act
    const verdict = judgeEpoch(epoch(6), 7);

    // Assess
    expect(verdict).toEqual({ kind: 'behind', cacheGeneration: 6, durableGeneration: 7 });
  });

  it('serves a cache at or past the settled generation (a change in flight raised it already)', () => {
    expect(judgeEpoch(epoch(7), 7)).toEqual({ kind: 'current', generation: 7 });
    expect(judgeEpoch(epoch(9), 7)).toEqual({ kind: 'current', generation: 9 });
  });
});

describe('Class: StateEpochMissingError / StateEpochBehindError', () => {
  it('are state-unavailable errors, so every edge already fails closed on them', () => {
    // Act
    const missing = new StateEpochMissingError();
    const behind = new StateEpochBehindError(3, 5);

    // Assess
    expect(missing).toBeInstanceOf(StateUnavailableError);
    expect(behind).toBeInstanceOf(StateUnavailableError);
    expect(missing.store).toMatch(/not rebuilt/);
    expect(behind.store).toMatch(/generation 3 < 5/);
  });
});
