import type { Approval, KillScope } from '../../../shared/domain/controls/kill-switch.js';
import type { ControlLog, ControlLogEntry, KillSwitchState, KillSwitchStore } from '../ports.js';

/** In-memory fakes of the admin ports, for unit tests of the use cases and the router. */
export class MemoryKillSwitchStore implements KillSwitchStore {
  readonly states = new Map<string, KillSwitchState>();
  readonly approvalsOf = new Map<string, Approval[]>();
  failEngage = false;

  async engage(state: KillSwitchState): Promise<void> {
    if (this.failEngage) throw new Error('redis down');
    this.states.set(`${state.scope}|${state.target}`, state);
    this.approvalsOf.delete(`${state.scope}|${state.target}`);
  }

  async get(scope: KillScope, target: string): Promise<KillSwitchState | null> {
    return this.states.get(`${scope}|${target}`) ?? null;
  }

  async list(): Promise<KillSwitchState[]> {
    return [...this.states.values()];
  }

  async approvals(scope: KillScope, target: string): Promise<Approval[]> {
    return [...(this.approvalsOf.get(`${scope}|${target}`) ?? [])];
  }

  async addApproval(scope: KillScope, target: string, approval: Approval): Promise<void> {
    const key = `${scope}|${target}`;
    this.approvalsOf.set(key, [...(this.approvalsOf.get(key) ?? []), approval]);
  }

  async release(scope: KillScope, target: string): Promise<void> {
    this.states.delete(`${scope}|${target}`);
    this.approvalsOf.delete(`${scope}|${target}`);
  }
}

export class MemoryControlLog implements ControlLog {
  readonly entries: (ControlLogEntry & { at: string })[] = [];

  async append(entry: ControlLogEntry): Promise<void> {
    this.entries.push({ ...entry, at: new Date(0).toISOString() });
  }

  async history(limit: number): Promise<(ControlLogEntry & { at: string })[]> {
    return this.entries.slice(-limit).reverse();
  }
}
