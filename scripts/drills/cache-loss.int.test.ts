import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localStoreEnv } from '../../test/local-env.js';
import { releaseDurableControls } from '../../test/support/durable-controls.js';
import { seedPostgres } from '../../test/support/seed.js';
import { cacheLossDrill } from './cache-loss.js';
import { type LocalGate, startLocalGate } from './local-gate.js';

/**
 * `npm run drill -- cache-loss`, local variant, as part of npm test, on the test stores: the
 * figures the drill exists for, and its RTO printed.
 */
let gate: LocalGate;

beforeAll(async () => {
  gate = await startLocalGate({ ...localStoreEnv(), POWERTOOLS_METRICS_DISABLED: 'true' });
  await seedPostgres(gate.pool);
  // What other tests left engaged in the shared database is not this drill's subject.
  await gate.rebuild({ force: true });
  await releaseDurableControls(gate.admin, ['BTC/USD']);
});

afterAll(async () => {
  await gate.close();
});

describe('Drill: cache-loss (local)', () => {
  it('keeps the kill switch through an emptied cache and its rebuild, and never accepts meanwhile', async () => {
    // Act
    const report = await cacheLossDrill(gate);
    console.log(JSON.stringify(report));

    // Assess
    expect(report.decisions_while_engaged).toBeGreaterThan(10);
    expect(report.wrongful_accepts).toBe(0);
    expect(report.rejected_while_empty).toBeGreaterThan(0);
    expect(report.status_while_empty).toBe(503);
    expect(report.kill_switch_engaged_after_rebuild).toBe(true);
    expect(report.rejected_kill_switch_active_after_rebuild).toBe(true);
    expect(report.released_by).toEqual(['alice', 'bob']);
    expect(report.accepted_after_release).toBe(true);
    expect(report.rebuild_ms).toBeGreaterThan(0);
    expect(report.rebuild_ms).toBeLessThan(10_000);
  }, 60_000);
});
