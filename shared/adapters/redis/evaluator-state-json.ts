import { EMPTY_SYMBOL_STATE, type SymbolEvaluatorState } from '../../domain/breakers/symbol-evaluator.js';

/**
 * The one codec of the market evaluator's per-symbol state, a JSON string at
 * `REDIS_KEYS.evaluatorState(symbol)` (volatility window, causes, watermark). Only the
 * evaluator reads and writes it; it can be rebuilt by replaying the stream.
 */
export function encodeEvaluatorState(state: SymbolEvaluatorState): string {
  return JSON.stringify(state);
}

/** A missing key is a symbol never seen: the empty state. */
export function decodeEvaluatorState(text: string | null | undefined): SymbolEvaluatorState {
  return text ? (JSON.parse(text) as SymbolEvaluatorState) : EMPTY_SYMBOL_STATE;
}
