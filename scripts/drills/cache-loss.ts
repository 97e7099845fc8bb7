import { ROUTES } from '../../shared/names.js';
import { DecisionStream, drillOrder, resetDrillBreaker, type StreamedDecision, sleep } from './drill-gate.js';
import type { LocalGate } from './local-gate.js';

/** What the cache-loss drill measured (printed as JSON; docs/runbooks/cache-loss.md). */
export interface CacheLossReport {
  readonly drill: 'cache-loss';
  readonly stage: string;
  /** Decisions asked while the global kill switch was engaged (from engage to release). */
  readonly decisions_while_engaged: number;
  /** Accepts while the kill switch was engaged: must be 0. */
  readonly wrongful_accepts: number;
  /** Decisions refused RISK_STATE_UNAVAILABLE while the cache was empty (no state epoch). */
  readonly rejected_while_empty: number;
  /** The admin API's answer for the kill switch status while the cache was empty. */
  readonly status_while_empty: number;
  /** The kill switch is engaged after the rebuild, restored from the kill switch log. */
  readonly kill_switch_engaged_after_rebuild: boolean;
  /** Orders after the rebuild are refused KILL_SWITCH_ACTIVE, not merely unavailable. */
  readonly rejected_kill_switch_active_after_rebuild: boolean;
  readonly released_by: readonly string[];
  readonly accepted_after_release: boolean;
  /** The answer to the first order after the release (`accept`, or the reject's code). */
  readonly answer_after_release: string;
  /** The rebuild's own run (empty cache to epoch written). */
  readonly rebuild_run_ms: number;
  /**
   * RTO of a cache loss: from an empty cache to the first correct accept, with the rebuild
   * started as soon as the loss is seen (a stage's schedule adds up to its 1-minute period).
   */
  readonly rebuild_ms: number;
}

export interface CacheLossOptions {
  /** How long the empty cache is watched refusing orders before the rebuild runs. @default 500 */
  readonly emptyForMs?: number;
  readonly log?: (line: string) => void;
}

/**
 * The cache-loss drill, local variant (issue #18): the global kill switch is engaged, the
 * cache is emptied (FLUSHDB: what a new node or a lost primary without replica gives), every
 * order is shown refused, the cache is rebuilt from Aurora, the kill switch is shown still
 * engaged, then released by two approvers and orders flow again. Then the RTO: the cache is
 * emptied once more (no kill switch) and the time to the first accept measured.
 */
export async function cacheLossDrill(gate: LocalGate, options: CacheLossOptions = {}): Promise<CacheLossReport> {
  const log = options.log ?? (() => undefined);
  // Rebuilt first, so a trip the database holds is in the cache for the reset to clear.
  await gate.rebuild({ force: true });
  await resetDrillBreaker(gate);
  await gate.freshMark();
  const before = await gate.validate(drillOrder('company', `cache-loss-pre-${Date.now()}`));
  if (before.decision !== 'accept') throw new Error(`the gate does not accept before the drill (${before.code})`);

  log('engage the global kill switch');
  const engaged = await gate.admin('POST', ROUTES.adminKillSwitch, {
    scope: 'global',
    reason: 'drill',
    actor: 'alice',
  });
  if (engaged.status !== 200 && engaged.status !== 207) throw new Error(`engage answered ${engaged.status}`);
  const stream = new DecisionStream(gate, ['company'], () => gate.freshMark(), `cache-loss-${Date.now()}`);
  stream.start();
  await sleep(100);

  log('empty the cache');
  const emptiedAtMs = Date.now();
  await gate.redis.flushdb();
  await sleep(options.emptyForMs ?? 500);
  const statusWhileEmpty = await gate.admin('GET', ROUTES.adminKillSwitch);

  log('rebuild from Aurora');
  const rebuilt = await gate.rebuild();
  const restoredAtMs = Date.now();
  await sleep(200);
  const status = await gate.admin('GET', ROUTES.adminKillSwitch);
  const engagedAfter = JSON.stringify(status.body).includes('"global"');
  // Stopped before the release: every decision in it was asked and answered while engaged.
  const engagedDecisions = await stream.stop();

  log('release by two approvers');
  const first = await gate.admin('POST', ROUTES.adminKillSwitchRelease, {
    scope: 'global',
    actor: 'alice',
    reason: 'drill complete',
  });
  const second = await gate.admin('POST', ROUTES.adminKillSwitchRelease, {
    scope: 'global',
    actor: 'bob',
    reason: 'drill complete',
  });
  await gate.freshMark();
  const after = await gate.validate(drillOrder('company', `cache-loss-post-${Date.now()}`));

  log('RTO: empty the cache again and time the first accept');
  const rto = await timeToFirstAccept(gate);

  return {
    drill: 'cache-loss',
    stage: 'local',
    decisions_while_engaged: engagedDecisions.length,
    wrongful_accepts: engagedDecisions.filter((d) => d.decision === 'accept').length,
    rejected_while_empty: engagedDecisions.filter(
      (d) => d.atMs >= emptiedAtMs && d.atMs < restoredAtMs && d.code === 'RISK_STATE_UNAVAILABLE',
    ).length,
    status_while_empty: statusWhileEmpty.status,
    kill_switch_engaged_after_rebuild: engagedAfter,
    rejected_kill_switch_active_after_rebuild: engagedDecisions.some(
      (d) => d.atMs > restoredAtMs && d.code === 'KILL_SWITCH_ACTIVE',
    ),
    released_by: first.status === 202 && second.status === 200 ? ['alice', 'bob'] : [],
    accepted_after_release: after.decision === 'accept',
    answer_after_release: after.decision === 'accept' ? 'accept' : (after.code ?? 'reject'),
    rebuild_run_ms: rebuilt.action === 'rebuilt' ? rebuilt.durationMs : 0,
    rebuild_ms: rto,
  };
}

/** Empties the cache under a stream of orders, rebuilds at once, returns ms to the first accept. */
async function timeToFirstAccept(gate: LocalGate): Promise<number> {
  const stream = new DecisionStream(gate, ['company'], () => gate.freshMark(), `cache-loss-rto-${Date.now()}`);
  await gate.redis.flushdb();
  const emptiedAtMs = Date.now();
  stream.start();
  await gate.rebuild();
  let accepted: StreamedDecision | undefined;
  for (let waited = 0; !accepted && waited < 10_000; waited += 10) {
    accepted = stream.decisions.find((d) => d.decision === 'accept');
    if (!accepted) await sleep(10);
  }
  await stream.stop();
  if (!accepted) throw new Error('no accept within 10 s of the rebuild');
  return accepted.answeredAtMs - emptiedAtMs;
}
