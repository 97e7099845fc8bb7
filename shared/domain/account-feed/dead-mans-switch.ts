/**
 * When to refresh Kraken's dead man's switch (`cancel_all_orders_after`) for one account.
 *
 * The switch stays armed only while the gate is healthy: each refresh pushes Kraken's
 * cancel-everything deadline `timeoutSeconds` ahead; when the gate turns unhealthy the
 * refreshes stop and Kraken cancels the account's open orders once the last deadline passes.
 * Nothing here disarms (timeout 0): stopping the refreshes is the whole mechanism, and a
 * restarting task must not leave orders unprotected in between. Pure: time is passed in.
 */
export interface DeadMansSwitchSettings {
  /** Kraken's countdown, seconds (Kraken suggests 60). */
  readonly timeoutSeconds: number;
  /** Time between refreshes, ms (Kraken suggests every 15-30 s). */
  readonly refreshMs: number;
}

export type DeadMansSwitchDecision =
  | { readonly action: 'arm'; readonly timeoutSeconds: number }
  | { readonly action: 'wait'; readonly dueInMs: number }
  | { readonly action: 'withhold'; readonly reasons: readonly string[] };

export interface GateHealthVerdict {
  readonly healthy: boolean;
  readonly reasons: readonly string[];
}

export class DeadMansSwitchSchedule {
  private lastArmedMs: number | undefined;
  private deadlineMs: number | undefined;

  constructor(readonly settings: DeadMansSwitchSettings) {
    const { timeoutSeconds, refreshMs } = settings;
    if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 86_400) {
      throw new RangeError('timeoutSeconds must be an integer in [1, 86400]');
    }
    // Two refreshes per countdown at least, so one lost refresh never cancels a healthy desk.
    if (!Number.isFinite(refreshMs) || refreshMs <= 0 || refreshMs * 2 > timeoutSeconds * 1_000) {
      throw new RangeError('refreshMs must be positive and at most half of timeoutSeconds');
    }
  }

  /** What to do at `nowMs` given the gate's health. */
  decide(nowMs: number, health: GateHealthVerdict): DeadMansSwitchDecision {
    if (!health.healthy) return { action: 'withhold', reasons: health.reasons };
    if (this.lastArmedMs === undefined || nowMs - this.lastArmedMs >= this.settings.refreshMs) {
      return { action: 'arm', timeoutSeconds: this.settings.timeoutSeconds };
    }
    return { action: 'wait', dueInMs: this.lastArmedMs + this.settings.refreshMs - nowMs };
  }

  /** Kraken confirmed a refresh sent at `sentMs`. */
  armed(sentMs: number): void {
    this.lastArmedMs = sentMs;
    this.deadlineMs = sentMs + this.settings.timeoutSeconds * 1_000;
  }

  /** A refresh failed: try again on the next tick rather than a whole period later. */
  refreshFailed(): void {
    this.lastArmedMs = undefined;
  }

  /** When Kraken will cancel everything unless refreshed (undefined before the first arm). */
  deadline(): number | undefined {
    return this.deadlineMs;
  }
}
