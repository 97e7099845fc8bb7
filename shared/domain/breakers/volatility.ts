/**
 * Rolling realised volatility of log returns over a time window (60 s by default):
 * sqrt(sum of r^2) of the returns r = ln(p_i / p_(i-1)) whose end falls in the window,
 * in basis points. Floats on purpose: this is a statistic, never compared to money.
 *
 * The window is plain data ({@link VolatilityWindowState}) so it can be persisted between
 * Lambda invocations; the sum is kept incrementally and recomputed on every snapshot so
 * float drift cannot accumulate across batches.
 */
export interface VolatilityWindowState {
  /** Last price seen and its event time (ms); null before the first. */
  readonly lastPrice: number | null;
  readonly lastTs: number;
  /** Event times (ms) and squared log returns inside the window, oldest first. */
  readonly ts: readonly number[];
  readonly sq: readonly number[];
}

export const EMPTY_VOLATILITY: VolatilityWindowState = { lastPrice: null, lastTs: 0, ts: [], sq: [] };

export class RollingVolatility {
  private lastPrice: number | null;
  private lastTs: number;
  private ts: number[];
  private sq: number[];
  private head = 0;
  private sum = 0;

  constructor(
    private readonly windowMs: number,
    state: VolatilityWindowState = EMPTY_VOLATILITY,
  ) {
    this.lastPrice = state.lastPrice;
    this.lastTs = state.lastTs;
    this.ts = [...state.ts];
    this.sq = [...state.sq];
    for (const value of this.sq) this.sum += value;
  }

  /**
   * Adds a price observed at `atMs`. Out-of-order or non-positive prices are ignored (a
   * replayed or late tick must not invent a return). Returns false when ignored.
   */
  add(price: number, atMs: number): boolean {
    if (!(price > 0) || !Number.isFinite(price) || atMs < this.lastTs) return false;
    if (this.lastPrice !== null) {
      const r = Math.log(price / this.lastPrice);
      const squared = r * r;
      this.ts.push(atMs);
      this.sq.push(squared);
      this.sum += squared;
    }
    this.lastPrice = price;
    this.lastTs = atMs;
    this.evict(atMs);
    return true;
  }

  /** Drops returns older than the window ending at `nowMs`. */
  evict(nowMs: number): void {
    const cutoff = nowMs - this.windowMs;
    while (this.head < this.ts.length && (this.ts[this.head] as number) <= cutoff) {
      this.sum -= this.sq[this.head] as number;
      this.head++;
    }
    if (this.head > 512 && this.head * 2 > this.ts.length) this.compact();
    if (this.sum < 0 || this.head === this.ts.length)
      this.sum = this.head === this.ts.length ? 0 : Math.max(0, this.sum);
  }

  /** Returns in the window. */
  get count(): number {
    return this.ts.length - this.head;
  }

  /** Realised volatility of the window in bps. */
  get bps(): number {
    return Math.sqrt(Math.max(0, this.sum)) * 10_000;
  }

  snapshot(): VolatilityWindowState {
    this.compact();
    this.sum = 0;
    for (const value of this.sq) this.sum += value;
    return { lastPrice: this.lastPrice, lastTs: this.lastTs, ts: [...this.ts], sq: [...this.sq] };
  }

  private compact(): void {
    if (this.head === 0) return;
    this.ts = this.ts.slice(this.head);
    this.sq = this.sq.slice(this.head);
    this.head = 0;
  }
}
