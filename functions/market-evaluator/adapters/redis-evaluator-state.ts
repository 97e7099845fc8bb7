import type { Redis } from 'ioredis';
import { RedisBreakerStore, type RedisBreakerStoreOptions } from '../../../shared/adapters/breakers/breaker-store.js';
import { decodeTrippedCauses } from '../../../shared/adapters/redis/breaker-hash.js';
import { decodeEvaluatorState, encodeEvaluatorState } from '../../../shared/adapters/redis/evaluator-state-json.js';
import { BREAKER_CAUSES, type BreakerTransition } from '../../../shared/domain/breakers/hysteresis.js';
import type { EvaluatorStateStore } from '../../../shared/domain/breakers/ports.js';
import type { SymbolEvaluatorState } from '../../../shared/domain/breakers/symbol-evaluator.js';
import { REDIS_KEYS } from '../../../shared/names.js';

/**
 * The evaluator's per-symbol state in Redis (JSON at REDIS_KEYS.evaluatorState) next to
 * the breaker hashes it feeds. One round trip loads every symbol of a batch; one MULTI
 * commits every breaker change and every state together, so a crash between the two
 * cannot leave a breaker the state does not know about.
 *
 * Single writer per symbol: Kinesis delivers one partition key (symbol) to one batch at a
 * time, in order, even with a parallelisation factor above 1.
 *
 * With the state epoch (options.epoch) a batch is refused on a cache that was not rebuilt or
 * is behind the durable generation (which drops its epoch: shared/domain/state-epoch.ts), so
 * Lambda retries it after the rebuild; a trip is recorded as a new generation.
 */
export class RedisEvaluatorStateStore implements EvaluatorStateStore {
  readonly breakers: RedisBreakerStore;

  constructor(
    private readonly redis: Redis,
    private readonly options: RedisBreakerStoreOptions = {},
  ) {
    this.breakers = new RedisBreakerStore(redis, options);
  }

  async load(symbols: readonly string[]): Promise<Map<string, SymbolEvaluatorState>> {
    await this.options.epoch?.requireCurrent();
    const out = new Map<string, SymbolEvaluatorState>();
    if (symbols.length === 0) return out;
    const pipeline = this.redis.pipeline();
    for (const symbol of symbols) {
      pipeline.get(REDIS_KEYS.evaluatorState(symbol));
      pipeline.hgetall(REDIS_KEYS.breaker(symbol));
    }
    const results = (await pipeline.exec()) ?? [];
    symbols.forEach((symbol, i) => {
      const [stateError, stateText] = results[i * 2] ?? [new Error('no reply')];
      const [breakerError, breakerFields] = results[i * 2 + 1] ?? [new Error('no reply')];
      if (stateError || breakerError) throw stateError ?? breakerError;
      const state = decodeEvaluatorState(stateText as string | null);
      out.set(symbol, reconcile(state, decodeTrippedCauses(breakerFields as Record<string, string>)));
    });
    return out;
  }

  async commit(
    transitions: readonly BreakerTransition[],
    states: ReadonlyMap<string, SymbolEvaluatorState>,
  ): Promise<void> {
    const multi = this.redis.multi();
    this.breakers.queue(multi, transitions);
    for (const [symbol, state] of states) multi.set(REDIS_KEYS.evaluatorState(symbol), encodeEvaluatorState(state));
    const results = await multi.exec();
    const failed = results?.find(([error]) => error);
    if (!results || failed) throw new Error(`evaluator commit failed: ${failed?.[0]?.message ?? 'aborted'}`);
    await this.breakers.committed(transitions);
  }
}

/**
 * A cause the state believes tripped but the breaker hash does not (an operator reset it,
 * or the hash was lost and rebuilt) is taken as cleared, so the next breach trips again.
 */
function reconcile(state: SymbolEvaluatorState, trippedInRedis: ReadonlySet<string>): SymbolEvaluatorState {
  let causes = state.causes;
  for (const cause of BREAKER_CAUSES) {
    const held = causes[cause];
    if (held?.tripped && !trippedInRedis.has(cause)) {
      causes = { ...causes, [cause]: { ...held, tripped: false, reason: 'reset' } };
    }
  }
  return causes === state.causes ? state : { ...state, causes };
}
