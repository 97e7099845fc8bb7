import type { PoisonRecordSink } from '../../shared/adapters/poison-sink.js';
import type { TimeSeriesSink } from '../../shared/adapters/timeseries/port.js';
import type { Bar } from '../../shared/domain/breakers/bars.js';
import type { BreakerTransition } from '../../shared/domain/breakers/hysteresis.js';
import type { BreakerAudit, BreakerConfigSource, EvaluatorStateStore } from '../../shared/domain/breakers/ports.js';
import { SymbolEvaluator } from '../../shared/domain/breakers/symbol-evaluator.js';
import type { MarketEvent } from '../../shared/domain/market/events.js';
import { decodeMarketEvent, PoisonRecordError } from './market-event-schema.js';

/** A Kinesis record as the evaluator needs it (from a Lambda event or a GetRecords poll). */
export interface StreamRecord {
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  /** base64 */
  readonly data: string;
  readonly eventSourceArn?: string;
}

export interface MarketEvaluatorDeps {
  readonly state: EvaluatorStateStore;
  readonly audit: BreakerAudit;
  readonly sink: TimeSeriesSink;
  readonly poison: PoisonRecordSink;
  readonly configs: BreakerConfigSource;
  /** @default true */
  readonly writeTicks?: boolean;
}

export interface BatchSummary {
  readonly applied: number;
  readonly duplicates: number;
  readonly poison: number;
  readonly transitions: readonly BreakerTransition[];
  readonly barsWritten: number;
}

/**
 * The market-evaluator use case. A batch is opened (records decoded, every symbol's state
 * and the breaker config loaded in one go), its records applied in stream order, then
 * committed: ticks and bars to the time-series sink, breaker changes to the audit table,
 * then breakers and states to Redis in one MULTI. Each step is idempotent, so a batch that
 * fails anywhere is retried whole and ends in the same state as one clean run.
 */
export class MarketEvaluator {
  constructor(private readonly deps: MarketEvaluatorDeps) {}

  /**
   * Decodes the batch and loads what it needs. The loads are sent first, for the records'
   * partition keys (the ingester's partition key is the symbol), and the records decoded
   * while Redis and PostgreSQL answer: a batch waits for one round trip, not for the
   * decoding and then the round trip. A symbol whose events came under another key is
   * loaded after; only the symbols of decoded events get an evaluator (and so a state written
   * back), as before.
   */
  async openBatch(records: readonly StreamRecord[]): Promise<EvaluatorBatch> {
    const keys = new Set<string>();
    for (const record of records) keys.add(record.partitionKey);
    const loading = Promise.all([this.deps.configs.get(), this.deps.state.load([...keys])]);
    // Awaited below; a failure before then must not count as unhandled.
    loading.catch(() => undefined);
    // Lets the loads reach their sockets (they start after a microtask or two) before the
    // decoding takes the thread.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const events: (MarketEvent | PoisonRecordError)[] = [];
    const symbols = new Set<string>();
    for (const record of records) {
      let event: MarketEvent | PoisonRecordError;
      try {
        event = decodeMarketEvent(record.data);
        symbols.add(event.symbol);
      } catch (error) {
        event = error instanceof PoisonRecordError ? error : new PoisonRecordError(String(error));
      }
      events.push(event);
    }
    const [configs, loaded] = await loading;
    const unkeyed = [...symbols].filter((symbol) => !loaded.has(symbol));
    const states = unkeyed.length === 0 ? loaded : new Map([...loaded, ...(await this.deps.state.load(unkeyed))]);
    const evaluators = new Map<string, SymbolEvaluator>();
    for (const symbol of symbols) {
      const state = states.get(symbol);
      if (state === undefined) throw new Error(`no evaluator state loaded for ${symbol}`);
      evaluators.set(symbol, new SymbolEvaluator(symbol, state, configs.for(symbol)));
    }
    return new EvaluatorBatch(this.deps, records, events, evaluators, configs.version);
  }

  /** Opens, applies every record in order and commits: for pollers and benchmarks. */
  async processRecords(records: readonly StreamRecord[]): Promise<BatchSummary> {
    const batch = await this.openBatch(records);
    for (let i = 0; i < records.length; i++) await batch.applyAt(i);
    return batch.commit();
  }
}

export class EvaluatorBatch {
  private applied = 0;
  private duplicates = 0;
  private poison = 0;
  private readonly ticks: MarketEvent[] = [];
  private readonly closedBars: Bar[] = [];
  private readonly transitions: BreakerTransition[] = [];
  /** Sequence number -> index, built only if a record is applied by {@link apply}. */
  private indexOf: Map<string, number> | undefined;

  constructor(
    private readonly deps: MarketEvaluatorDeps,
    /** The batch's records in stream order, and each one's event decoded once (or why not). */
    private readonly records: readonly StreamRecord[],
    private readonly events: readonly (MarketEvent | PoisonRecordError)[],
    private readonly evaluators: ReadonlyMap<string, SymbolEvaluator>,
    private readonly configVersion: number,
  ) {}

  /**
   * Applies one record. A poison record goes to the DLQ and counts as handled, so it never
   * blocks the shard; only a failure to park it rejects (the record is then reported as a
   * batch item failure and retried). Synchronous (`undefined`) unless it parks: a promise
   * per record would be most of the cost of applying it.
   */
  apply(record: StreamRecord): Promise<void> | undefined {
    if (this.indexOf === undefined) this.indexOf = new Map(this.records.map((r, i) => [r.sequenceNumber, i]));
    const index = this.indexOf.get(record.sequenceNumber);
    if (index === undefined) throw new Error(`record ${record.sequenceNumber} was not in the opened batch`);
    return this.applyAt(index);
  }

  /** {@link apply} for the opened batch's record at `index` (stream order): no lookup. */
  applyAt(index: number): Promise<void> | undefined {
    const record = this.records[index];
    const event = this.events[index];
    if (record === undefined || event === undefined) throw new Error(`record #${index} was not in the opened batch`);
    if (event instanceof PoisonRecordError) return this.park(record, event.message);
    const evaluator = this.evaluators.get(event.symbol) as SymbolEvaluator;
    let outcome: ReturnType<SymbolEvaluator['apply']>;
    try {
      outcome = evaluator.apply(event, record.sequenceNumber);
    } catch (error) {
      return this.park(record, `cannot be evaluated: ${(error as Error).message}`);
    }
    if (!outcome.applied) {
      this.duplicates++;
      return undefined;
    }
    this.applied++;
    if (this.deps.writeTicks !== false) this.ticks.push(event);
    for (const t of outcome.transitions) this.transitions.push(t);
    if (outcome.closedBar) this.closedBars.push(outcome.closedBar);
    return undefined;
  }

  async commit(): Promise<BatchSummary> {
    const openBars: Bar[] = [];
    const states = new Map<string, ReturnType<SymbolEvaluator['snapshot']>>();
    for (const [symbol, evaluator] of this.evaluators) {
      const bar = evaluator.openBar();
      if (bar) openBars.push(bar);
      // A state no record changed is not written back (the same bytes again): the breaker
      // hash it was reconciled with on load is read again on the next load.
      if (evaluator.changed) states.set(symbol, evaluator.snapshot());
    }
    const bars = [...this.closedBars, ...openBars];
    await Promise.all([this.deps.sink.writeTicks(this.ticks), this.deps.sink.writeBars(bars)]);
    await this.deps.audit.record(this.transitions, this.configVersion);
    await this.deps.state.commit(this.transitions, states);
    return {
      applied: this.applied,
      duplicates: this.duplicates,
      poison: this.poison,
      transitions: this.transitions,
      barsWritten: bars.length,
    };
  }

  private async park(record: StreamRecord, reason: string): Promise<void> {
    await this.deps.poison.park({
      source: 'market-evaluator',
      reason,
      sequenceNumber: record.sequenceNumber,
      partitionKey: record.partitionKey,
      eventSourceArn: record.eventSourceArn,
      data: record.data,
    });
    this.poison++;
  }
}
