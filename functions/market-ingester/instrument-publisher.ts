import { instrumentProblems } from '../../shared/adapters/redis/instruments-hash.js';
import type { InstrumentPair } from '../../shared/domain/market/kraken-v2.js';
import type { InstrumentSink, InstrumentTarget } from './ports.js';

export interface InstrumentPublisherOptions {
  /** Pause between the first pair queued and the write: a snapshot's pairs go in one batch. @default 200 */
  readonly lingerMs?: number;
  /** First pause before re-sending a failed batch; doubles up to `maxRetryDelayMs`. @default 1000 */
  readonly retryDelayMs?: number;
  /** @default 30000 */
  readonly maxRetryDelayMs?: number;
  readonly onError?: (target: string, error: unknown) => void;
  /** Told when a target has written a batch: how many pairs, and which were unreadable. */
  readonly onWritten?: (target: string, written: number, unreadable: readonly string[]) => void;
}

interface TargetState {
  readonly target: InstrumentTarget;
  pending: Map<string, InstrumentPair>;
  inFlight: Promise<void> | undefined;
  timer: NodeJS.Timeout | undefined;
  failures: number;
}

/**
 * Publishes Kraken's instrument data to every target (Redis hash, PostgreSQL table). The
 * frame path only records the newest version of each pair in a map; writes happen later on
 * a timer, one batch per target, so a thousand-pair snapshot never delays a mark. Targets fail
 * independently: a slow database does not hold back the hash the risk API reads, and a failed
 * batch is retried (newer versions of a pair replace the failed one) until it lands.
 */
export class InstrumentPublisher implements InstrumentSink {
  private readonly states: TargetState[];
  private readonly lingerMs: number;
  private closed = false;

  constructor(
    targets: readonly InstrumentTarget[],
    private readonly options: InstrumentPublisherOptions = {},
  ) {
    this.states = targets.map((target) => ({
      target,
      pending: new Map(),
      inFlight: undefined,
      timer: undefined,
      failures: 0,
    }));
    this.lingerMs = options.lingerMs ?? 200;
  }

  publish(pairs: readonly InstrumentPair[]): void {
    if (pairs.length === 0) return;
    for (const state of this.states) {
      for (const pair of pairs) state.pending.set(pair.symbol, withBaseAndQuote(pair));
      this.schedule(state, this.lingerMs);
    }
  }

  /** Pairs queued and not yet written, per target name. */
  backlog(): Record<string, number> {
    return Object.fromEntries(this.states.map((s) => [s.target.name, s.pending.size]));
  }

  /** Writes everything queued now; gives up after `timeoutMs` while a target keeps failing. */
  async flush(timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const busy = this.states.filter((s) => s.inFlight || s.pending.size > 0);
      if (busy.length === 0 || Date.now() >= deadline) return;
      for (const state of busy) {
        if (!state.inFlight && state.pending.size > 0) {
          if (state.timer) clearTimeout(state.timer);
          state.timer = undefined;
          this.write(state);
        }
      }
      await Promise.race([
        Promise.all(busy.map((s) => s.inFlight)),
        new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(100, deadline - Date.now())))),
      ]);
    }
  }

  /** Stops the timers; whatever is still queued is dropped (flush first). */
  close(): void {
    this.closed = true;
    for (const state of this.states) if (state.timer) clearTimeout(state.timer);
  }

  private schedule(state: TargetState, delayMs: number): void {
    if (this.closed || state.timer || state.inFlight) return;
    state.timer = setTimeout(() => {
      state.timer = undefined;
      this.write(state);
    }, delayMs);
  }

  private write(state: TargetState): void {
    if (state.inFlight || state.pending.size === 0) return;
    const batch = state.pending;
    state.pending = new Map();
    const readable: InstrumentPair[] = [];
    const unreadable: string[] = [];
    for (const pair of batch.values()) {
      if (instrumentProblems(pair).length === 0) readable.push(pair);
      else unreadable.push(pair.symbol);
    }
    state.inFlight = state.target
      .write(readable, unreadable)
      .then(
        () => {
          state.failures = 0;
          this.options.onWritten?.(state.target.name, readable.length, unreadable);
        },
        (error: unknown) => {
          state.failures++;
          this.options.onError?.(state.target.name, error);
          // Put back what nothing newer has replaced meanwhile.
          for (const [symbol, pair] of batch) if (!state.pending.has(symbol)) state.pending.set(symbol, pair);
        },
      )
      .finally(() => {
        state.inFlight = undefined;
        if (state.pending.size === 0) return;
        const retryMs =
          state.failures === 0
            ? this.lingerMs
            : Math.min(
                this.options.maxRetryDelayMs ?? 30_000,
                (this.options.retryDelayMs ?? 1_000) * 2 ** (state.failures - 1),
              );
        this.schedule(state, retryMs);
      });
  }
}

/** Kraken sends base and quote; a pair without them is named after its symbol's halves. */
function withBaseAndQuote(pair: InstrumentPair): InstrumentPair {
  if (pair.base && pair.quote) return pair;
  const [base = '', quote = ''] = pair.symbol.split('/');
  return { ...pair, base: pair.base || base, quote: pair.quote || quote };
}
