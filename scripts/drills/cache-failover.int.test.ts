import { beforeAll, describe, expect, it } from 'vitest';
import { localStoreEnv } from '../../test/local-env.js';
import { releaseDurableControls } from '../../test/support/durable-controls.js';
import { seedPostgres } from '../../test/support/seed.js';
import { cacheFailoverDrillLocal } from './cache-failover.js';
import { startLocalGate } from './local-gate.js';

const env = { ...localStoreEnv(), POWERTOOLS_METRICS_DISABLED: 'true' };

beforeAll(async () => {
  // The drill rebuilds its private cache from the shared test database: what other tests
  // left engaged there is not its subject. Released through a gate on the test stores.
  const gate = await startLocalGate(env);
  try {
    await seedPostgres(gate.pool);
    await gate.rebuild({ force: true });
    await releaseDurableControls(gate.admin, ['BTC/USD']);
  } finally {
    await gate.close();
  }
});

/**
 * `npm run drill -- cache-failover`, local variant, as part of npm test: a real replica
 * promoted under a steady stream of validations. The figures the drill exists for.
 */
describe('Drill: cache-failover (local)', () => {
  it('loses no control and no audit row when the primary dies and its replica is promoted', async () => {
    // Act
    const report = await cacheFailoverDrillLocal(env);
    console.log(JSON.stringify(report));

    // Assess
    expect(report.decisions).toBeGreaterThan(20);
    expect(report.wrongful_accepts).toBe(0);
    expect(report.missing_audit_rows).toBe(0);
    expect(report.kill_switch_engaged_after).toBe(true);
    // Orders flow again on the promoted replica.
    expect(report.answers_after_failover.accept ?? 0).toBeGreaterThan(0);
    expect(report.time_without_accepts_ms).toBeLessThan(5_000);
  }, 60_000);
});
