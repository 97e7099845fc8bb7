import { Decimal } from '../../shared/domain/decimal.js';
import { seededRandom } from '../../shared/runtime/seeded-random.js';
import type { MemoryRiskStateStore } from './memory-risk-state.js';

/**
 * Market data of RISK_STATE=memory (no stores, so no feed): a seeded random walk per symbol, published as
 * marks (and reference prices) the way the ingester and reference-prices job write them,
 * so local decisions are made on fresh, moving prices. Never used in a deployed stage.
 */
export interface GeneratedSymbol {
  readonly symbol: string;
  readonly start: string;
  readonly tick: string;
  /** Half-spread in ticks. */
  readonly halfSpreadTicks: number;
}

export const LOCAL_SYMBOLS: readonly GeneratedSymbol[] = [
  { symbol: 'BTC/USD', start: '65000', tick: '0.1', halfSpreadTicks: 5 },
  { symbol: 'ETH/USD', start: '3000', tick: '0.01', halfSpreadTicks: 10 },
  { symbol: 'SOL/USD', start: '150', tick: '0.01', halfSpreadTicks: 2 },
  { symbol: 'USDC/USD', start: '1', tick: '0.0001', halfSpreadTicks: 1 },
  { symbol: 'USDT/USD', start: '1', tick: '0.0001', halfSpreadTicks: 1 },
];

export type MarkSink = (symbol: string, bid: Decimal, ask: Decimal, nowMs: number) => Promise<void>;

const TEN_THOUSAND = Decimal.fromInteger(10_000);
const TWO = Decimal.fromInteger(2);

/** Mid and spread (bps) of a quote, as the ingester derives them. */
function quoteOf(bid: Decimal, ask: Decimal): { mid: Decimal; spreadBps: Decimal } {
  const mid = bid.add(ask).div(TWO);
  return { mid, spreadBps: ask.sub(bid).mul(TEN_THOUSAND).div(mid) };
}

export function memoryMarkSink(store: MemoryRiskStateStore): MarkSink {
  return async (symbol, bid, ask, nowMs) => {
    const { mid, spreadBps } = quoteOf(bid, ask);
    store.marks.set(symbol, {
      bid,
      ask,
      mid,
      spreadBps,
      receiveTsMs: nowMs,
      exchangeTsMs: nowMs - 3,
      live: true,
    });
    store.references.set(symbol, { price: mid, updatedAtMs: nowMs });
  };
}

/** Starts the walk; returns a stop function. Ticks every `intervalMs` (well inside the 1 s staleness limit). */
export function startMarkGenerator(sink: MarkSink, options: { seed?: number; intervalMs?: number } = {}): () => void {
  const random = seededRandom(options.seed ?? 42);
  const mids = new Map(LOCAL_SYMBOLS.map((s) => [s.symbol, Decimal.parse(s.start)]));
  const step = async () => {
    const now = Date.now();
    await Promise.all(
      LOCAL_SYMBOLS.map((s) => {
        const tick = Decimal.parse(s.tick);
        const moveTicks = Math.round((random() - 0.5) * 6);
        const mid = (mids.get(s.symbol) ?? Decimal.parse(s.start)).add(tick.mul(Decimal.fromInteger(moveTicks)));
        mids.set(s.symbol, mid);
        const half = tick.mul(Decimal.fromInteger(s.halfSpreadTicks));
        return sink(s.symbol, mid.sub(half), mid.add(half), now);
      }),
    );
  };
  let stopped = false;
  const timer = setInterval(() => {
    if (!stopped) step().catch(() => undefined);
  }, options.intervalMs ?? 200);
  void step();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
