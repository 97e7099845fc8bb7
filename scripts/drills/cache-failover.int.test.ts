import { describe, expect, it } from 'vitest';
import { localStoreEnv } from '../../test/local-env.js';
import { cacheFailoverDrillLocal } from './cache-failover.js';

/**
 * `npm run drill -- cache-failover`, local variant, as part of npm test: a real replica
 * promoted under a steady stream of validations. The figures the drill exists for.
 */
describe('Drill: cache-failover (local)', () => {
  it('loses no control and no audit row when the primary dies and its replica is promoted', async () => {
    // Act
    const report = await cacheFailoverDrillLocal({ ...localStoreEnv(), POWERTOOLS_METRICS_DISABLED: 'true' });
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
