import type { RebuildOutcome } from '../../functions/state-rebuild/rebuild-state.js';
import { ROUTES } from '../../shared/names.js';

/** One decision as a drill records it. */
export interface DrillDecision {
  readonly status: number;
  readonly decision: 'accept' | 'reject';
  readonly decisionId: string | null;
  /** The first reason's code (a reject), or the error code of a non-200 answer. */
  readonly code: string | null;
}

/** What every drill drives: the gate's two APIs and the state rebuild. */
export interface DrillGate {
  validate(body: Record<string, unknown>): Promise<DrillDecision>;
  admin(
    method: 'GET' | 'POST',
    path: string,
    body?: Record<string, unknown>,
  ): Promise<{
    status: number;
    body: Record<string, unknown>;
  }>;
  rebuild(options?: { force?: boolean }): Promise<RebuildOutcome>;
}

/** A decision in a drill's stream: when it was asked, for which account, what came back. */
export interface StreamedDecision extends DrillDecision {
  /** When it was asked, and when the answer came. */
  readonly atMs: number;
  readonly answeredAtMs: number;
  readonly accountId: string;
}

/**
 * A steady stream of validations (one account after the other, a round every `intervalMs`,
 * with `beforeEach` run first: the live feed's fresh mark) until stopped; records them all.
 * The pace stays under the seed accounts' order-rate limit (50 per second), so what the
 * drill sees is the cache, not the throttle.
 */
export class DecisionStream {
  readonly decisions: StreamedDecision[] = [];
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  private seq = 0;

  constructor(
    private readonly gate: Pick<DrillGate, 'validate'>,
    private readonly accounts: readonly string[],
    private readonly beforeEach: () => Promise<void> = async () => undefined,
    private readonly tag = `drill-${Date.now()}`,
    private readonly intervalMs = 25,
  ) {}

  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        for (const accountId of this.accounts) {
          await this.beforeEach().catch(() => undefined);
          const atMs = Date.now();
          const decision = await this.gate
            .validate(drillOrder(accountId, `${this.tag}-${this.seq++}`))
            .catch((): DrillDecision => ({ status: 0, decision: 'reject', decisionId: null, code: 'NO_ANSWER' }));
          this.decisions.push({ ...decision, atMs, answeredAtMs: Date.now(), accountId });
        }
        await sleep(this.intervalMs);
      }
    })();
  }

  async stop(): Promise<StreamedDecision[]> {
    this.running = false;
    await this.loop;
    return this.decisions;
  }
}

/**
 * Resets the drill symbol's breaker through the admin API (audited as the drill's): a drill
 * measures the cache, and a trip left by the market (or restored by a rebuild, which only an
 * operator clears) would refuse every order for a reason that has nothing to do with it.
 */
export async function resetDrillBreaker(gate: Pick<DrillGate, 'admin'>): Promise<void> {
  const reset = await gate.admin('POST', ROUTES.adminBreakerReset, {
    symbol: DRILL_SYMBOL,
    actor: 'drill',
    reason: 'drill: measure the cache, not the market',
  });
  if (reset.status !== 200) throw new Error(`breaker reset answered ${reset.status}`);
}

/** The symbol every drill order is for. */
export const DRILL_SYMBOL = 'BTC/USD';

/** A small limit buy well inside every seed account's limits. */
export function drillOrder(accountId: string, orderId: string): Record<string, unknown> {
  return {
    account_id: accountId,
    order_id: orderId,
    symbol: DRILL_SYMBOL,
    side: 'buy',
    type: 'limit',
    quantity: '0.01',
    limit_price: '65000',
    intent: 'open',
  };
}

/** The longest stretch, within [fromMs, toMs], with no accept among `decisions` (of one account). */
export function longestGapWithoutAccept(decisions: readonly StreamedDecision[], fromMs: number, toMs: number): number {
  let last = fromMs;
  let longest = 0;
  for (const d of decisions) {
    if (d.atMs < fromMs || d.atMs > toMs || d.decision !== 'accept') continue;
    longest = Math.max(longest, d.atMs - last);
    last = d.atMs;
  }
  return Math.max(longest, toMs - last);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
