import type { Approval, KillScope, KillSwitchState } from '../../domain/controls/kill-switch.js';
import { REDIS_KEYS } from '../../names.js';

/**
 * The one codec of the kill switch hashes (`REDIS_KEYS.killSwitch*`) and of the pending
 * release approvals (`REDIS_KEYS.killSwitchRelease`): the admin API writes them through
 * {@link encodeKillSwitch}, and readers (the admin API's listing, the risk API's decision
 * load) decode through {@link decodeKillSwitch}, so the field layout exists once. All
 * fields are strings in Redis.
 */
export const KILL_SWITCH_FIELDS = {
  engaged: 'engaged',
  scope: 'scope',
  target: 'target',
  reason: 'reason',
  actor: 'actor',
  sinceMs: 'since_ms',
  allowReduceOnly: 'allow_reduce_only',
  eventId: 'event_id',
} as const satisfies Record<keyof KillSwitchState, string>;

/** The key of a scope's kill switch hash. */
export function killSwitchKey(scope: KillScope, target: string): string {
  if (scope === 'global') return REDIS_KEYS.killSwitchGlobal;
  if (scope === 'account') return REDIS_KEYS.killSwitchAccount(target);
  return REDIS_KEYS.killSwitchSymbol(target);
}

/** The whole hash of an engaged switch. */
export function encodeKillSwitch(state: KillSwitchState): Record<string, string> {
  return {
    [KILL_SWITCH_FIELDS.engaged]: '1',
    [KILL_SWITCH_FIELDS.scope]: state.scope,
    [KILL_SWITCH_FIELDS.target]: state.target,
    [KILL_SWITCH_FIELDS.reason]: state.reason,
    [KILL_SWITCH_FIELDS.actor]: state.actor,
    [KILL_SWITCH_FIELDS.sinceMs]: String(state.sinceMs),
    [KILL_SWITCH_FIELDS.allowReduceOnly]: state.allowReduceOnly ? '1' : '0',
    [KILL_SWITCH_FIELDS.eventId]: state.eventId,
  };
}

/**
 * Decodes a hash (as HGETALL returns it): null unless `engaged` is `1`. A reader that knows
 * the scope from the key it read passes it, so a hash missing its `scope` field still counts.
 */
export function decodeKillSwitch(fields: Record<string, string>, scopeOfKey?: KillScope): KillSwitchState | null {
  if (fields[KILL_SWITCH_FIELDS.engaged] !== '1') return null;
  return {
    scope: (fields[KILL_SWITCH_FIELDS.scope] ?? scopeOfKey) as KillScope,
    target: fields[KILL_SWITCH_FIELDS.target] ?? '*',
    engaged: true,
    reason: fields[KILL_SWITCH_FIELDS.reason] ?? '',
    actor: fields[KILL_SWITCH_FIELDS.actor] ?? '',
    sinceMs: Number(fields[KILL_SWITCH_FIELDS.sinceMs] ?? 0),
    allowReduceOnly: fields[KILL_SWITCH_FIELDS.allowReduceOnly] === '1',
    eventId: fields[KILL_SWITCH_FIELDS.eventId] ?? '',
  };
}

/** Pending release approvals: one field per approver, its approval time (ms) as the value. */
export function encodeApproval(approval: Approval): [field: string, value: string] {
  return [approval.actor, String(approval.atMs)];
}

export function decodeApprovals(fields: Record<string, string>): Approval[] {
  return Object.entries(fields).map(([actor, atMs]) => ({ actor, atMs: Number(atMs) }));
}
