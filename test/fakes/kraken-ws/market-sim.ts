/**
 * A seeded random walk of one pair's order book and trades, in integer units (price ticks
 * and quantity lots) so the fake never needs a float to render exact Kraken text. Same seed,
 * same market: tests and recordings are reproducible.
 */

export interface FakePair {
  readonly symbol: string;
  readonly base: string;
  readonly pricePrecision: number;
  readonly qtyPrecision: number;
  /** Starting mid, in price ticks. */
  readonly startTicks: number;
}

/** Pairs the fake lists, with Kraken's real precisions for them. */
export const FAKE_PAIRS: Record<string, FakePair> = {
  'BTC/USD': { symbol: 'BTC/USD', base: 'BTC', pricePrecision: 1, qtyPrecision: 8, startTicks: 652_831 },
  'ETH/USD': { symbol: 'ETH/USD', base: 'ETH', pricePrecision: 2, qtyPrecision: 8, startTicks: 352_117 },
  'SOL/USD': { symbol: 'SOL/USD', base: 'SOL', pricePrecision: 2, qtyPrecision: 8, startTicks: 15_043 },
  'XRP/USD': { symbol: 'XRP/USD', base: 'XRP', pricePrecision: 5, qtyPrecision: 8, startTicks: 61_234 },
  'USDT/USD': { symbol: 'USDT/USD', base: 'USDT', pricePrecision: 5, qtyPrecision: 8, startTicks: 99_981 },
  'USDC/USD': { symbol: 'USDC/USD', base: 'USDC', pricePrecision: 5, qtyPrecision: 8, startTicks: 99_994 },
};

export interface SimTrade {
  readonly side: 'buy' | 'sell';
  readonly ticks: number;
  readonly lots: number;
  readonly tradeId: number;
}

/** Levels kept per side of the true book: deeper than any depth the tests subscribe to. */
const TRUE_DEPTH = 60;

export class MarketSim {
  /** price ticks -> quantity lots */
  readonly bids = new Map<number, number>();
  readonly asks = new Map<number, number>();
  private tradeId = 1_000_000;
  volumeLots = 0;
  lastTicks: number;

  constructor(
    readonly pair: FakePair,
    private readonly random: () => number,
  ) {
    const mid = pair.startTicks;
    for (let i = 0; i < TRUE_DEPTH; i++) {
      this.bids.set(mid - 1 - i * 2 - this.int(2), this.randomLots());
      this.asks.set(mid + 1 + i * 2 + this.int(2), this.randomLots());
    }
    this.lastTicks = mid;
  }

  /** Best `n` levels of a side, best first, as [ticks, lots]. */
  top(side: 'bids' | 'asks', n: number): [number, number][] {
    const entries = [...this[side].entries()];
    entries.sort((a, b) => (side === 'bids' ? b[0] - a[0] : a[0] - b[0]));
    return entries.slice(0, n);
  }

  /** One market event: a quote change, a cancel, a new level or a trade. */
  step(): SimTrade | null {
    const r = this.random();
    const side = this.random() < 0.5 ? 'bids' : 'asks';
    const levels = this.top(side, 12);
    if (r < 0.4) {
      const [ticks] = levels[this.int(levels.length)] as [number, number];
      this[side].set(ticks, this.randomLots());
    } else if (r < 0.55) {
      const [ticks] = levels[this.int(levels.length)] as [number, number];
      this[side].delete(ticks);
    } else if (r < 0.8) {
      this.addLevel(side);
    } else {
      return this.trade(side);
    }
    this.refill();
    return null;
  }

  private trade(side: 'bids' | 'asks'): SimTrade {
    // A sell hits the best bid, a buy lifts the best ask.
    const [ticks, lots] = this.top(side, 1)[0] as [number, number];
    const taken = Math.max(1, Math.min(lots, Math.floor(lots * this.random())));
    if (taken >= lots) this[side].delete(ticks);
    else this[side].set(ticks, lots - taken);
    this.refill();
    this.lastTicks = ticks;
    this.volumeLots += taken;
    return { side: side === 'bids' ? 'sell' : 'buy', ticks, lots: taken, tradeId: ++this.tradeId };
  }

  private addLevel(side: 'bids' | 'asks'): void {
    const bestBid = this.top('bids', 1)[0]?.[0] ?? this.pair.startTicks - 1;
    const bestAsk = this.top('asks', 1)[0]?.[0] ?? this.pair.startTicks + 1;
    const offset = this.int(15) - 2; // sometimes inside the spread
    const ticks = side === 'bids' ? bestBid - offset : bestAsk + offset;
    if (side === 'bids' && ticks >= bestAsk) return;
    if (side === 'asks' && ticks <= bestBid) return;
    if (ticks <= 0) return;
    this[side].set(ticks, this.randomLots());
  }

  private refill(): void {
    for (const side of ['bids', 'asks'] as const) {
      while (this[side].size < TRUE_DEPTH) {
        const worst = this.top(side, TRUE_DEPTH).at(-1)?.[0] ?? this.pair.startTicks;
        const ticks = side === 'bids' ? worst - 1 - this.int(3) : worst + 1 + this.int(3);
        if (ticks > 0) this[side].set(ticks, this.randomLots());
      }
      while (this[side].size > TRUE_DEPTH + 20) {
        const worst = this.top(side, TRUE_DEPTH + 21).at(-1)?.[0] as number;
        this[side].delete(worst);
      }
    }
  }

  private randomLots(): number {
    // 0.0001 .. ~5 units at 8 decimals, with plenty of trailing zeros like real books.
    const units = 10 ** this.pair.qtyPrecision;
    const coarse = this.random() < 0.5;
    const raw = Math.floor(this.random() * 5 * units) + 1;
    return coarse ? Math.max(1, Math.round(raw / 10_000) * 10_000) : raw;
  }

  private int(n: number): number {
    return Math.floor(this.random() * n);
  }
}
