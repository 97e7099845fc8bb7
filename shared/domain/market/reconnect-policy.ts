/**
 * How the ingester paces reconnects. Kraken sits behind Cloudflare, which bans an IP for
 * about 10 minutes after roughly 150 connection attempts in 10 minutes; a tight retry loop
 * against a flapping endpoint would get every task in the account banned. Two guards:
 * capped exponential backoff with full jitter between attempts, and a sliding-window budget
 * that refuses an attempt outright once the window is full. Pure: clock and randomness are
 * passed in.
 */

/** Delay before reconnect attempt `attempt` (0-based): uniform in [0, min(cap, base * 2^attempt)). */
export function fullJitterDelayMs(attempt: number, baseMs: number, capMs: number, random: () => number): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

/** Sliding-window limit on connection attempts. */
export class ConnectionBudget {
  private readonly attempts: number[] = [];

  /**
   * @param maxAttempts attempts allowed per window (keep well under Kraken's ~150)
   * @param windowMs window length (Kraken's ban window is 10 minutes)
   */
  constructor(
    readonly maxAttempts: number,
    readonly windowMs: number,
  ) {
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new RangeError('maxAttempts must be >= 1');
  }

  /** Records an attempt at `nowMs` when the window has room; false (nothing recorded) when not. */
  tryAcquire(nowMs: number): boolean {
    this.evict(nowMs);
    if (this.attempts.length >= this.maxAttempts) return false;
    this.attempts.push(nowMs);
    return true;
  }

  /** Earliest time an attempt will be allowed (`nowMs` when there is room now). */
  nextAllowedAt(nowMs: number): number {
    this.evict(nowMs);
    if (this.attempts.length < this.maxAttempts) return nowMs;
    return (this.attempts[0] as number) + this.windowMs;
  }

  /** Attempts recorded within the window ending at `nowMs`. */
  used(nowMs: number): number {
    this.evict(nowMs);
    return this.attempts.length;
  }

  private evict(nowMs: number): void {
    while (this.attempts.length > 0 && (this.attempts[0] as number) <= nowMs - this.windowMs) this.attempts.shift();
  }
}
