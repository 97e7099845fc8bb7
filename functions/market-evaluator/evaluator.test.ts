import { describe, expect, it } from 'vitest';
import type { PoisonRecord } from '../../shared/adapters/poison-sink.js';
import { DiscardingTimeSeriesSink } from '../../shared/adapters/timeseries/port.js';
import { BreakerConfigSet } from '../../shared/domain/breakers/config.js';
import type { BreakerTransition } from '../../shared/domain/breakers/hysteresis.js';
import type { EvaluatorStateStore } from '../../shared/domain/breakers/ports.js';
import { EMPTY_SYMBOL_STATE, type SymbolEvaluatorState } from '../../shared/domain/breakers/symbol-evaluator.js';
import type { TopOfBookEvent } from '../../shared/domain/market/events.js';
import { topOfBookFixture } from '../../shared/domain/market/fixtures.js';
import { MarketEvaluator, type StreamRecord } from './evaluator.js';

/** The evaluator state store in memory, noting every load it is asked for. */
class MemoryStateStore implements EvaluatorStateStore {
  readonly states = new Map<string, SymbolEvaluatorState>();
  readonly loads: string[][] = [];
  readonly commits: string[][] = [];

  async load(symbols: readonly string[]): Promise<Map<string, SymbolEvaluatorState>> {
    this.loads.push([...symbols]);
    return new Map(symbols.map((s) => [s, this.states.get(s) ?? EMPTY_SYMBOL_STATE]));
  }

  async commit(_transitions: readonly BreakerTransition[], states: ReadonlyMap<string, SymbolEvaluatorState>) {
    this.commits.push([...states.keys()]);
    for (const [symbol, state] of states) this.states.set(symbol, state);
  }
}

function setup() {
  const state = new MemoryStateStore();
  const parked: PoisonRecord[] = [];
  const evaluator = new MarketEvaluator({
    state,
    audit: { record: async () => {} },
    sink: new DiscardingTimeSeriesSink(),
    poison: { park: async (record) => void parked.push(record) },
    configs: { get: async () => new BreakerConfigSet(new Map()) },
  });
  return { state, parked, evaluator };
}

let seq = 100;
function record(partitionKey: string, data: unknown): StreamRecord {
  seq += 1;
  return {
    sequenceNumber: String(seq),
    partitionKey,
    data: Buffer.from(typeof data === 'string' ? data : JSON.stringify(data)).toString('base64'),
  };
}

const book = (symbol: string, mid: string, atMs: number): TopOfBookEvent =>
  topOfBookFixture(symbol, mid, atMs, { spreadBps: '0', eventId: `${symbol}:${atMs}` });

describe('Class: MarketEvaluator', () => {
  describe('Method: processRecords', () => {
    it('loads the symbols of the partition keys first, a symbol published under another key after', async () => {
      // Prepare
      const { state, evaluator } = setup();
      const t = Date.parse('2026-12-03T10:00:00Z');
      const records = [
        record('BTC/USD', book('BTC/USD', '65000', t)),
        record('BTC/USD', book('BTC/USD', '65010', t + 100)),
        record('not-a-symbol', book('ETH/USD', '3000', t + 200)),
      ];

      // Act
      const summary = await evaluator.processRecords(records);

      // Assess
      expect(summary.applied).toBe(3);
      expect(state.loads).toEqual([['BTC/USD', 'not-a-symbol'], ['ETH/USD']]);
      expect([...state.states.keys()]).toEqual(['BTC/USD', 'ETH/USD']);
      expect(state.states.get('BTC/USD')?.lastSeq).toBe(records[1]?.sequenceNumber);
      expect(state.states.get('ETH/USD')?.lastSeq).toBe(records[2]?.sequenceNumber);
    });

    it('parks poison records and writes no state for their partition keys', async () => {
      // Prepare
      const { state, parked, evaluator } = setup();
      const records = [
        record('poison', '{"type":'),
        record('poison', { type: 'top_of_book' }),
        record('BTC/USD', book('BTC/USD', '65000', Date.parse('2026-12-03T10:00:00Z'))),
      ];

      // Act
      const summary = await evaluator.processRecords(records);

      // Assess
      expect(summary).toMatchObject({ applied: 1, poison: 2, duplicates: 0 });
      expect(parked.map((p) => p.reason)).toEqual([
        'not JSON',
        expect.stringMatching(/^not a market event: event_id /),
      ]);
      expect(state.loads).toEqual([['poison', 'BTC/USD']]);
      expect([...state.states.keys()]).toEqual(['BTC/USD']);
    });

    it('skips a record delivered again in the next batch', async () => {
      // Prepare
      const { evaluator } = setup();
      const first = record('BTC/USD', book('BTC/USD', '65000', Date.parse('2026-12-03T10:00:00Z')));
      await evaluator.processRecords([first]);

      // Act
      const summary = await evaluator.processRecords([first]);

      // Assess
      expect(summary).toMatchObject({ applied: 0, duplicates: 1 });
    });

    it('writes back only the states a record changed (a retried batch writes none)', async () => {
      // Prepare
      const { state, evaluator } = setup();
      const t = Date.parse('2026-12-03T10:00:00Z');
      const btc = record('BTC/USD', book('BTC/USD', '65000', t));
      const eth = record('ETH/USD', book('ETH/USD', '3000', t));
      await evaluator.processRecords([btc, eth]);
      const ethState = state.states.get('ETH/USD');

      // Act
      const retried = await evaluator.processRecords([btc]);
      const next = record('ETH/USD', book('ETH/USD', '3001', t + 100));
      await evaluator.processRecords([btc, next]);

      // Assess
      expect(retried).toMatchObject({ applied: 0, duplicates: 1 });
      expect(state.commits).toEqual([['BTC/USD', 'ETH/USD'], [], ['ETH/USD']]);
      expect(state.states.get('ETH/USD')).not.toBe(ethState);
      expect(state.states.get('ETH/USD')?.lastSeq).toBe(next.sequenceNumber);
    });
  });
});
