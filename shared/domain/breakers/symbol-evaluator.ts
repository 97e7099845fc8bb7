import { Decimal } from '../decimal.js';
import type { MarketEvent } from '../market/events.js';
import { addTradeToBar, type Bar } from './bars.js';
import type { BreakerConfig } from './config.js';
import { DEPEG_THRESHOLDS, depegBps, isDepegSymbol, isFreshQuote } from './depeg.js';
import {
  type BreakerCause,
  type BreakerTransition,
  type CauseState,
  nextTrippedDecimal,
  nextTrippedNumber,
} from './hysteresis.js';
import { EMPTY_VOLATILITY, RollingVolatility, type VolatilityWindowState } from './volatility.js';

/** Event ids remembered per symbol to drop a producer's duplicate (same id, new sequence number). */
export const RECENT_IDS = 256;

/** Everything the market evaluator keeps per symbol between invocations (JSON in Redis). */
export interface SymbolEvaluatorState {
  readonly v: 1;
  /** Highest Kinesis sequence number applied ('' before the first). */
  readonly lastSeq: string;
  readonly recentIds: readonly string[];
  readonly vol: VolatilityWindowState;
  readonly causes: Partial<Record<BreakerCause, CauseState>>;
  readonly bar: Bar | null;
}

export const EMPTY_SYMBOL_STATE: SymbolEvaluatorState = {
  v: 1,
  lastSeq: '',
  recentIds: [],
  vol: EMPTY_VOLATILITY,
  causes: {},
  bar: null,
};

/** Compares Kinesis sequence numbers (decimal strings of up to 128 bits). */
export function compareSequence(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The time an event happened: Kraken's timestamp when it sent one, else when it was received. */
export function eventTimeMs(event: MarketEvent): number {
  return Date.parse(event.exchange_ts ?? event.receive_ts);
}

export type ApplyOutcome =
  | { readonly applied: false; readonly why: 'already-applied' | 'duplicate-id' }
  | {
      readonly applied: true;
      readonly transitions: readonly BreakerTransition[];
      /** A bar the event closed (the next minute's first trade). */
      readonly closedBar: Bar | null;
    };

/**
 * The breakers of one symbol, fed its market events in stream order. Pure: time comes from
 * the events, so a replay of the same records yields the same states and transitions.
 * Idempotent per event: a sequence number at or below the watermark, or an event id seen
 * recently, changes nothing.
 */
export class SymbolEvaluator {
  private lastSeq: string;
  /** The watermark loaded: {@link changed} compares against it. */
  private readonly loadedSeq: string;
  private recentIds: string[];
  private readonly recentSet: Set<string>;
  private readonly vol: RollingVolatility;
  private readonly causes: Partial<Record<BreakerCause, CauseState>>;
  private bar: Bar | null;
  private readonly spread: { trip: Decimal; clear: Decimal };

  constructor(
    readonly symbol: string,
    state: SymbolEvaluatorState,
    private readonly config: BreakerConfig,
  ) {
    this.lastSeq = state.lastSeq;
    this.loadedSeq = state.lastSeq;
    this.recentIds = [...state.recentIds];
    this.recentSet = new Set(this.recentIds);
    this.vol = new RollingVolatility(config.vol_window_ms, state.vol);
    this.causes = { ...state.causes };
    this.bar = state.bar;
    this.spread = { trip: Decimal.parse(config.spread_trip_bps), clear: Decimal.parse(config.spread_clear_bps) };
  }

  apply(event: MarketEvent, sequenceNumber: string): ApplyOutcome {
    if (this.lastSeq && compareSequence(sequenceNumber, this.lastSeq) <= 0) {
      return { applied: false, why: 'already-applied' };
    }
    this.lastSeq = sequenceNumber;
    if (this.recentSet.has(event.event_id)) return { applied: false, why: 'duplicate-id' };
    this.remember(event.event_id);

    const atMs = eventTimeMs(event);
    const transitions: BreakerTransition[] = [];
    let closedBar: Bar | null = null;
    if (event.type === 'trade') {
      const result = addTradeToBar(this.bar, this.symbol, Decimal.parse(event.price), Decimal.parse(event.qty), atMs);
      this.bar = result.bar;
      closedBar = result.closed;
    } else {
      // A book's mid is parsed exactly only for the depeg check: the volatility's float is
      // Number() of its text, the same double as Decimal.parse(mid).toNumber() (both round the
      // same decimal value correctly), without two bigint conversions per event.
      const bookMid = event.type === 'top_of_book' ? event.mid : null;
      const tickerMid =
        event.type === 'top_of_book'
          ? null
          : Decimal.parse(event.bid).add(Decimal.parse(event.ask)).div(Decimal.fromInteger(2));
      const price = bookMid !== null ? Number(bookMid) : (tickerMid as Decimal).toNumber();
      this.volatility(price, atMs, event.event_id, transitions);
      if (event.type === 'top_of_book')
        this.spreadCheck(Decimal.parse(event.spread_bps), atMs, event.event_id, transitions);
      if (isDepegSymbol(this.symbol)) {
        const receivedMs = Date.parse(event.receive_ts);
        const mid = tickerMid ?? Decimal.parse(bookMid as string);
        if (isFreshQuote(atMs, receivedMs)) this.depeg(mid, atMs, event.event_id, transitions);
      }
    }
    return { applied: true, transitions, closedBar };
  }

  /** Current realised volatility (bps) and returns in the window. */
  volatilityBps(): { bps: number; returns: number } {
    return { bps: this.vol.bps, returns: this.vol.count };
  }

  openBar(): Bar | null {
    return this.bar;
  }

  /**
   * Whether the state differs from the one loaded: every change of it (ids, window, causes,
   * bar) comes with a record past the watermark, which moves the watermark. False when every
   * record was at or below it (a Lambda retry of a batch already committed).
   */
  get changed(): boolean {
    return this.lastSeq !== this.loadedSeq;
  }

  snapshot(): SymbolEvaluatorState {
    return {
      v: 1,
      lastSeq: this.lastSeq,
      recentIds: [...this.recentIds],
      vol: this.vol.snapshot(),
      causes: { ...this.causes },
      bar: this.bar,
    };
  }

  private remember(id: string): void {
    this.recentIds.push(id);
    this.recentSet.add(id);
    if (this.recentIds.length > RECENT_IDS) {
      const dropped = this.recentIds.shift() as string;
      this.recentSet.delete(dropped);
    }
  }

  private volatility(price: number, atMs: number, sourceId: string, out: BreakerTransition[]): void {
    if (!this.vol.add(price, atMs)) return;
    const { bps, count } = { bps: this.vol.bps, count: this.vol.count };
    const was = this.causes.volatility?.tripped ?? false;
    const enough = count >= this.config.vol_min_returns;
    const now = nextTrippedNumber(
      was,
      enough || was ? bps : 0,
      { trip: this.config.vol_trip_bps, clear: this.config.vol_clear_bps },
      this.config.safe_mode,
    );
    if (now !== was) {
      const threshold = now ? this.config.vol_trip_bps : this.config.vol_clear_bps;
      this.set(
        'volatility',
        now,
        `realised vol ${bps.toFixed(1)} bps over ${this.config.vol_window_ms / 1000}s ${now ? '>=' : '<'} ${threshold} bps`,
        atMs,
        bps.toFixed(4),
        String(threshold),
        sourceId,
        out,
      );
    }
  }

  private spreadCheck(spreadBps: Decimal, atMs: number, sourceId: string, out: BreakerTransition[]): void {
    const was = this.causes.spread?.tripped ?? false;
    const now = nextTrippedDecimal(was, spreadBps, this.spread, this.config.safe_mode);
    if (now !== was) {
      const threshold = now ? this.spread.trip : this.spread.clear;
      this.set(
        'spread',
        now,
        `spread ${spreadBps.toFixed(2)} bps ${now ? '>=' : '<'} ${threshold} bps`,
        atMs,
        spreadBps.toString(),
        threshold.toString(),
        sourceId,
        out,
      );
    }
  }

  private depeg(mid: Decimal, atMs: number, sourceId: string, out: BreakerTransition[]): void {
    const bps = depegBps(mid);
    const was = this.causes.depeg?.tripped ?? false;
    const now = nextTrippedDecimal(was, bps, DEPEG_THRESHOLDS, false);
    if (now !== was) {
      const threshold = now ? DEPEG_THRESHOLDS.trip : DEPEG_THRESHOLDS.clear;
      this.set(
        'depeg',
        now,
        `${this.symbol} ${mid.toString()} is ${bps.toFixed(2)} bps from 1.00 (${now ? '>=' : '<'} ${threshold} bps)`,
        atMs,
        bps.toString(),
        threshold.toString(),
        sourceId,
        out,
      );
    }
  }

  private set(
    cause: BreakerCause,
    tripped: boolean,
    reason: string,
    atMs: number,
    value: string,
    threshold: string,
    sourceId: string,
    out: BreakerTransition[],
  ): void {
    this.causes[cause] = { tripped, reason, sinceMs: atMs };
    out.push({ symbol: this.symbol, cause, tripped, reason, atMs, value, threshold, sourceId });
  }
}
