import { describe, expect, it } from 'vitest';
import type { KillSwitchState } from '../../domain/controls/kill-switch.js';
import {
  decodeApprovals,
  decodeKillSwitch,
  encodeApproval,
  encodeKillSwitch,
  KILL_SWITCH_FIELDS,
  killSwitchKey,
} from './kill-switch-hash.js';

const engaged: KillSwitchState = {
  scope: 'account',
  target: 'director-a',
  engaged: true,
  reason: 'loss_cap_breach',
  actor: 'alice',
  sinceMs: 1_700_000_000_000,
  allowReduceOnly: false,
  eventId: '00000000-0000-4000-8000-000000000001',
};

describe('Function: encodeKillSwitch / decodeKillSwitch', () => {
  it('round-trips an engaged switch through the field layout the risk API reads', () => {
    // Act
    const fields = encodeKillSwitch(engaged);

    // Assess
    expect(fields).toMatchObject({ engaged: '1', allow_reduce_only: '0', since_ms: '1700000000000' });
    expect(decodeKillSwitch(fields)).toEqual(engaged);
  });

  it('reads a hash that is not engaged (or missing) as no switch', () => {
    expect(decodeKillSwitch({})).toBeNull();
    expect(decodeKillSwitch({ ...encodeKillSwitch(engaged), [KILL_SWITCH_FIELDS.engaged]: '0' })).toBeNull();
  });
});

describe('Function: killSwitchKey', () => {
  it('names one key per scope, the account key in its hash slot', () => {
    expect(killSwitchKey('global', '*')).toBe('kill:global');
    expect(killSwitchKey('account', 'director-a')).toBe('kill:account:{director-a}');
    expect(killSwitchKey('symbol', 'BTC/USD')).toBe('kill:symbol:BTC/USD');
  });
});

describe('Function: encodeApproval / decodeApprovals', () => {
  it('keeps one field per approver with the approval time', () => {
    const [field, value] = encodeApproval({ actor: 'alice', atMs: 42 });
    expect(decodeApprovals({ [field]: value })).toEqual([{ actor: 'alice', atMs: 42 }]);
  });
});
