import { KillSwitchNotEngagedError, SecondApproverRequiredError } from '../../shared/domain/controls/errors.js';
import {
  DEFAULT_RELEASE_WINDOW_MS,
  decideRelease,
  type EngageRequest,
  KILL_ACTIONS,
  KILL_SWITCH_RELEASED,
  KILL_SWITCH_TRIGGERED,
  type KillSwitchTriggeredEvent,
  type ReleaseRequest,
} from '../../shared/domain/controls/kill-switch.js';
import { StateUnavailableError } from '../../shared/domain/errors.js';
import type { ControlLog, EventPublisher, KillSwitchState, KillSwitchStore, Notifier } from './ports.js';

export interface KillSwitchServiceDeps {
  readonly store: KillSwitchStore;
  readonly log: ControlLog;
  readonly events: EventPublisher;
  readonly notifier: Notifier;
  readonly now: () => number;
  readonly newId: () => string;
  readonly releaseWindowMs?: number;
  /** Told the state of a scope changed (metric kill_switch_state). */
  readonly onStateChange?: (scope: string, engaged: boolean) => void;
}

export interface EngageResult {
  /**
   * `complete` when every channel (log, event, notification) worked; `partial` when the
   * switch is engaged but some channels failed, named in `failedChannels`.
   */
  readonly outcome: 'complete' | 'partial';
  readonly state: KillSwitchState;
  readonly event: KillSwitchTriggeredEvent;
  readonly failedChannels: readonly string[];
}

/**
 * Engage and release. Engaging writes the Redis state first and only then answers: from
 * that write on, the risk API rejects the scope. The log, the event (which drives the
 * kill-executor's CancelAll) and the notification follow; a failure among them does not
 * undo the engage but is reported (a `partial` outcome) so the risk manager knows what to chase.
 */
export class KillSwitchService {
  constructor(private readonly deps: KillSwitchServiceDeps) {}

  async engage(request: EngageRequest): Promise<EngageResult> {
    const nowMs = this.deps.now();
    const state: KillSwitchState = {
      scope: request.scope,
      target: request.target,
      engaged: true,
      reason: request.reason,
      actor: request.actor,
      sinceMs: nowMs,
      allowReduceOnly: request.allow_reduce_only,
      eventId: this.deps.newId(),
    };
    try {
      await this.deps.store.engage(state);
    } catch (error) {
      // Not engaged means not safe: this one is an error the caller must see.
      throw new StateUnavailableError('kill switch store', { cause: error });
    }
    this.deps.onStateChange?.(request.scope, true);

    const event: KillSwitchTriggeredEvent = {
      type: KILL_SWITCH_TRIGGERED,
      event_id: state.eventId,
      scope: request.scope,
      target: request.target,
      reason: request.reason,
      actor: request.actor,
      engaged_at: new Date(nowMs).toISOString(),
      actions: [...KILL_ACTIONS],
    };
    const channels: [string, () => Promise<void>][] = [
      [
        'log',
        () =>
          this.deps.log.append({
            eventId: state.eventId,
            scope: request.scope,
            target: request.target,
            action: 'engage',
            reason: request.reason,
            actor: request.actor,
            details: { allow_reduce_only: request.allow_reduce_only, note: request.note ?? null },
          }),
      ],
      ['event', () => this.deps.events.publish(event, KILL_SWITCH_TRIGGERED)],
      [
        'notification',
        () =>
          this.deps.notifier.notify(
            `KILL SWITCH ENGAGED: ${request.scope} ${request.target}`,
            `${request.actor} engaged the ${request.scope} kill switch on ${request.target} (${request.reason}) at ${event.engaged_at}.`,
          ),
      ],
    ];
    const results = await Promise.allSettled(channels.map(([, send]) => send()));
    const failedChannels = channels.filter((_, i) => results[i]?.status === 'rejected').map(([name]) => name);
    return { outcome: failedChannels.length === 0 ? 'complete' : 'partial', state, event, failedChannels };
  }

  /**
   * One approval toward a release. The first approver gets a pending answer; the same
   * approver again is refused (`SecondApproverRequiredError`); a second, distinct approver
   * inside the window releases. Nothing engaged on the scope: `KillSwitchNotEngagedError`.
   */
  async approveRelease(request: ReleaseRequest): Promise<{ released: boolean; approvers: readonly string[] }> {
    const nowMs = this.deps.now();
    const current = await this.deps.store.get(request.scope, request.target);
    if (!current) throw new KillSwitchNotEngagedError(request.scope, request.target);
    const windowMs = this.deps.releaseWindowMs ?? DEFAULT_RELEASE_WINDOW_MS;
    const outcome = decideRelease(
      await this.deps.store.approvals(request.scope, request.target),
      { actor: request.actor, atMs: nowMs },
      windowMs,
    );
    if (outcome.kind === 'same_approver') throw new SecondApproverRequiredError(request.actor, outcome.approvers);
    await this.deps.log.append({
      eventId: current.eventId,
      scope: request.scope,
      target: request.target,
      action: outcome.kind === 'released' ? 'release' : 'release_approval',
      reason: request.reason,
      actor: request.actor,
      details: { approvers: outcome.approvers },
    });
    if (outcome.kind === 'pending') {
      await this.deps.store.addApproval(request.scope, request.target, { actor: request.actor, atMs: nowMs }, windowMs);
      return { released: false, approvers: outcome.approvers };
    }
    await this.deps.store.release(request.scope, request.target);
    this.deps.onStateChange?.(request.scope, false);
    await Promise.allSettled([
      this.deps.events.publish(
        {
          type: KILL_SWITCH_RELEASED,
          event_id: current.eventId,
          scope: request.scope,
          target: request.target,
          approvers: outcome.approvers,
        },
        KILL_SWITCH_RELEASED,
      ),
      this.deps.notifier.notify(
        `Kill switch released: ${request.scope} ${request.target}`,
        `Released by ${outcome.approvers.join(' and ')}: ${request.reason}`,
      ),
    ]);
    return { released: true, approvers: outcome.approvers };
  }
}
