import type { Approval, KillScope } from '../../shared/domain/controls/kill-switch.js';

/** Ports of the controls use cases; adapters in ./adapters. */
export interface KillSwitchState {
  readonly scope: KillScope;
  readonly target: string;
  readonly engaged: boolean;
  readonly reason: string;
  readonly actor: string;
  readonly sinceMs: number;
  readonly allowReduceOnly: boolean;
  readonly eventId: string;
}

/** The hot kill-switch state the risk API reads on every decision (Redis). */
export interface KillSwitchStore {
  engage(state: KillSwitchState): Promise<void>;
  get(scope: KillScope, target: string): Promise<KillSwitchState | null>;
  list(): Promise<KillSwitchState[]>;
  approvals(scope: KillScope, target: string): Promise<Approval[]>;
  addApproval(scope: KillScope, target: string, approval: Approval, windowMs: number): Promise<void>;
  /** Removes the state and its approvals: orders flow again on the next decision. */
  release(scope: KillScope, target: string): Promise<void>;
}

export interface ControlLogEntry {
  readonly eventId: string;
  readonly scope: KillScope;
  readonly target: string;
  readonly action: 'engage' | 'release_approval' | 'release';
  readonly reason: string;
  readonly actor: string;
  readonly details?: Record<string, unknown>;
}

/** The durable, append-only kill switch log (Postgres). */
export interface ControlLog {
  append(entry: ControlLogEntry): Promise<void>;
  history(limit: number): Promise<(ControlLogEntry & { at: string })[]>;
}

export type { EventPublisher, Notifier } from '../../shared/domain/controls/ports.js';
