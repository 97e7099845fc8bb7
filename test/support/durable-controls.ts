import { ROUTES } from '../../shared/names.js';

/** An admin API call as a test or a drill harness makes it. */
export type AdminCall = (
  method: 'GET' | 'POST',
  path: string,
  body?: Record<string, unknown>,
) => Promise<{ status: number; body: Record<string, unknown> }>;

/**
 * For tests that run the state rebuild against the test database, which other tests share:
 * what they engaged or tripped and never released is durable (the kill switch log, breaker
 * events), so every rebuild restores it, as it must. Call on a rebuilt cache: releases every
 * engaged kill switch with two approvers and resets the given symbols' breakers, all through
 * the admin API, so the release is on record like any other.
 */
export async function releaseDurableControls(admin: AdminCall, symbols: readonly string[]): Promise<void> {
  const listed = await admin('GET', ROUTES.adminKillSwitch);
  if (listed.status !== 200) throw new Error(`kill switch status answered ${listed.status}`);
  const engaged = (listed.body.engaged as { scope: string; target: string }[] | undefined) ?? [];
  for (const { scope, target } of engaged) {
    for (const actor of ['test-approver-1', 'test-approver-2']) {
      const released = await admin('POST', ROUTES.adminKillSwitchRelease, {
        scope,
        target,
        actor,
        reason: 'test setup',
      });
      if (released.status >= 300 && released.status !== 409) {
        throw new Error(`release of ${scope} ${target} answered ${released.status}`);
      }
    }
  }
  for (const symbol of symbols) {
    const reset = await admin('POST', ROUTES.adminBreakerReset, { symbol, actor: 'test', reason: 'test setup' });
    if (reset.status !== 200) throw new Error(`breaker reset of ${symbol} answered ${reset.status}`);
  }
}
