import type { BreakerConfigSet } from './config.js';
import type { BreakerCause, BreakerTransition } from './hysteresis.js';
import type { SymbolEvaluatorState } from './symbol-evaluator.js';

/** The breaker thresholds in force (versioned; cached by the adapter). */
export interface BreakerConfigSource {
  get(): Promise<BreakerConfigSet>;
}

/** A row of the breaker audit: a transition, or an operator's reset with nothing tripped (`manual`). */
export type AuditedTransition = Omit<BreakerTransition, 'cause'> & { readonly cause: BreakerCause | 'manual' };

/** The audit of every breaker change, idempotent per (symbol, cause, tripped, source). */
export interface BreakerAudit {
  record(transitions: readonly AuditedTransition[], configVersion: number): Promise<void>;
}

/** The live breakers the risk API reads: applies transitions in order. */
export interface BreakerWriter {
  apply(transitions: readonly BreakerTransition[]): Promise<void>;
}

/**
 * The evaluator's per-symbol state beside the breakers it feeds: loaded for a batch's
 * symbols at once, committed with the batch's breaker changes in one atomic step.
 */
export interface EvaluatorStateStore {
  load(symbols: readonly string[]): Promise<Map<string, SymbolEvaluatorState>>;
  commit(transitions: readonly BreakerTransition[], states: ReadonlyMap<string, SymbolEvaluatorState>): Promise<void>;
}
