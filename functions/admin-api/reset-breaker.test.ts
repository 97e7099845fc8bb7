import { describe, expect, it } from 'vitest';
import type { BreakerCause } from '../../shared/domain/breakers/hysteresis.js';
import { StateUnavailableError } from '../../shared/domain/errors.js';
import type { BreakerPanel, BreakerResetAudit } from './ports.js';
import { resetBreaker } from './reset-breaker.js';

/** A breaker with the given causes tripped; `trippedMeanwhile` trips between the read and the reset. */
function breakerWith(tripped: BreakerCause[], trippedMeanwhile: BreakerCause[] = []) {
  const calls: string[] = [];
  const panel: BreakerPanel = {
    async tripped() {
      calls.push('read');
      return [...tripped];
    },
    async reset() {
      calls.push('reset');
      return [...tripped, ...trippedMeanwhile];
    },
  };
  return { panel, calls };
}

function auditInto(calls: string[], rows: [readonly BreakerCause[], string][], fail = false): BreakerResetAudit {
  return {
    async recordManualReset(_symbol, causes, reason) {
      calls.push('audit');
      if (fail) throw new Error('postgres down');
      rows.push([causes, reason]);
    },
  };
}

const request = { symbol: 'BTC/USD', actor: 'carol', reason: 'bad print' };
const clock = { now: () => 1_000, newId: () => 'reset-1' };

describe('Function: resetBreaker', () => {
  it('audits the tripped causes before it clears them, and returns what it cleared', async () => {
    // Prepare
    const { panel, calls } = breakerWith(['volatility']);
    const rows: [readonly BreakerCause[], string][] = [];

    // Act
    const result = await resetBreaker(request, { breakers: panel, audit: auditInto(calls, rows), ...clock });

    // Assess
    expect(result).toEqual({ cleared: ['volatility'] });
    expect(calls).toEqual(['read', 'audit', 'reset']);
    expect(rows).toEqual([[['volatility'], 'manual reset by carol: bad print']]);
  });

  it('records a cause that tripped between the read and the reset too', async () => {
    // Prepare
    const { panel, calls } = breakerWith(['volatility'], ['spread']);
    const rows: [readonly BreakerCause[], string][] = [];

    // Act
    const result = await resetBreaker(request, { breakers: panel, audit: auditInto(calls, rows), ...clock });

    // Assess
    expect(result.cleared).toEqual(['volatility', 'spread']);
    expect(rows.map(([causes]) => causes)).toEqual([['volatility'], ['spread']]);
  });

  it('leaves the breaker as it is when the audit cannot be written', async () => {
    // Prepare
    const { panel, calls } = breakerWith(['volatility']);

    // Act
    const resetting = resetBreaker(request, { breakers: panel, audit: auditInto(calls, [], true), ...clock });

    // Assess
    await expect(resetting).rejects.toMatchObject({ name: 'StateUnavailableError', store: 'postgres' });
    await expect(resetting).rejects.toBeInstanceOf(StateUnavailableError);
    expect(calls).not.toContain('reset');
  });
});
