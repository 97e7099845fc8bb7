import { describe, expect, it } from 'vitest';
import { ConnectionBudget, fullJitterDelayMs } from './reconnect-policy.js';

describe('Function: fullJitterDelayMs', () => {
  it('draws uniformly below an exponentially growing, capped ceiling', () => {
    expect(fullJitterDelayMs(0, 500, 30_000, () => 0.999)).toBe(499);
    expect(fullJitterDelayMs(3, 500, 30_000, () => 0.5)).toBe(2_000);
    expect(fullJitterDelayMs(20, 500, 30_000, () => 0.999)).toBe(29_970);
    expect(fullJitterDelayMs(5, 500, 30_000, () => 0)).toBe(0);
  });
});

describe('Class: ConnectionBudget', () => {
  it('refuses attempts beyond the window limit and frees them as the window slides', () => {
    const budget = new ConnectionBudget(3, 600_000);
    expect([budget.tryAcquire(0), budget.tryAcquire(10), budget.tryAcquire(20)]).toEqual([true, true, true]);
    expect(budget.tryAcquire(30)).toBe(false);
    expect(budget.nextAllowedAt(30)).toBe(600_000);
    expect(budget.tryAcquire(600_000)).toBe(true);
    expect(budget.used(600_000)).toBe(3);
  });

  it('keeps a reconnect storm under Kraken’s ~150 attempts per 10 minutes', () => {
    const budget = new ConnectionBudget(120, 600_000);
    let granted = 0;
    for (let t = 0; t < 600_000; t += 100) if (budget.tryAcquire(t)) granted++;
    expect(granted).toBe(120);
  });
});
