import type { AccountFeedStatus } from '../../shared/adapters/redis/account-feed-hash.js';
import {
  DeadMansSwitchSchedule,
  type DeadMansSwitchSettings,
  type GateHealthVerdict,
} from '../../shared/domain/account-feed/dead-mans-switch.js';
import { DedupWindow } from '../../shared/domain/account-feed/dedup-window.js';
import {
  ExecutionTranslator,
  type Translation,
  translateBalances,
  type WorkingOrder,
} from '../../shared/domain/account-feed/execution-translator.js';
import { evaluateAccountFeed } from '../../shared/domain/account-feed/feed-status.js';
import {
  cancelAllOrdersAfterRequest,
  cancelOrderRequest,
  type PrivateFrame,
} from '../../shared/domain/account-feed/kraken-private-v2.js';
import type { OrderHistoryEntry } from '../../shared/domain/account-feed/settle-vanished.js';
import { vetOrder } from '../../shared/domain/account-feed/unvetted.js';
import type { BalanceEvent, OrderEvent } from '../../shared/domain/executions/events.js';
import type {
  AccountFeedStatusStore,
  DecisionLookup,
  ExecutionEventSink,
  FeedLog,
  UnvettedOrderAudit,
  UnvettedOrderReport,
} from './ports.js';
import type { MethodAnswer } from './private-connection.js';

/** What a session needs of its connection (the real one, or a test's stand-in). */
export interface SessionConnection {
  readonly connected: boolean;
  call(build: (token: string, reqId: number) => string): Promise<MethodAnswer>;
}

/** Kraken's order history for this session's account (the account's key bound in). */
export interface AccountOrderHistory {
  query(orderIds: readonly string[]): Promise<ReadonlyMap<string, OrderHistoryEntry>>;
}

export interface SessionCounters {
  events: number;
  duplicates: number;
  problems: number;
  unvetted: number;
  unvettedCanceled: number;
  deadMansArmed: number;
  deadMansWithheld: number;
  /** Orders closed while the feed was away, settled from Kraken's order history. */
  settledFromHistory: number;
  /** Orders closed while the feed was away that the history could not settle (each time asked). */
  unsettled: number;
}

export interface AccountSessionOptions {
  readonly accountId: string;
  readonly sink: ExecutionEventSink;
  readonly statusStore: AccountFeedStatusStore;
  readonly decisions: DecisionLookup;
  readonly audit: UnvettedOrderAudit;
  readonly log: FeedLog;
  /** Settles orders that closed while the feed was away; without it they are only reported. */
  readonly history?: AccountOrderHistory;
  readonly maxSilenceMs: number;
  readonly publishMaxDelayMs: number;
  readonly statusTtlMs: number;
  /** Cancel unvetted orders (they are always reported). */
  readonly cancelUnvetted: boolean;
  /** Keep Kraken's dead man's switch armed for this account. */
  readonly deadMansSwitch?: DeadMansSwitchSettings;
  /** @default 10_000 */
  readonly dedupCapacity?: number;
  readonly now?: () => number;
}

/**
 * One account's private feed, the use case between Kraken's frames and the stores: every
 * execution becomes one `executions` event (deduplicated, in Kraken's order), balances too;
 * orders first seen are vetted against the gate's stored decisions (reported, and canceled
 * under the account's policy); the feed's status is written for the risk API on every tick
 * (failed closed whenever it cannot be trusted); and the dead man's switch is refreshed
 * only while the gate is healthy.
 */
export class AccountSession {
  readonly counters: SessionCounters = {
    events: 0,
    duplicates: 0,
    problems: 0,
    unvetted: 0,
    unvettedCanceled: 0,
    deadMansArmed: 0,
    deadMansWithheld: 0,
    settledFromHistory: 0,
    unsettled: 0,
  };
  private readonly translator: ExecutionTranslator;
  private readonly dedup: DedupWindow;
  private readonly schedule: DeadMansSwitchSchedule | undefined;
  private readonly now: () => number;
  private connection: SessionConnection | undefined;
  private keyAvailable = true;
  private snapshotReceived = false;
  private lastMessageMs = 0;
  private stopped = false;
  private state: AccountFeedStatus['state'] | undefined;
  private sinceMs = 0;
  private withholding = false;
  private arming = false;
  /** Vanished orders whose history is awaited, until a frame mentions them again. */
  private readonly awaitingHistory = new Set<string>();

  constructor(private readonly options: AccountSessionOptions) {
    this.translator = new ExecutionTranslator(options.accountId);
    this.dedup = new DedupWindow(options.dedupCapacity ?? 10_000);
    this.schedule = options.deadMansSwitch ? new DeadMansSwitchSchedule(options.deadMansSwitch) : undefined;
    this.now = options.now ?? Date.now;
  }

  get accountId(): string {
    return this.options.accountId;
  }

  attach(connection: SessionConnection): void {
    this.connection = connection;
  }

  /** The key was removed from the directory (or could not be read): fail the account closed. */
  setKeyAvailable(available: boolean): void {
    this.keyAvailable = available;
  }

  /** A new connection: its snapshot is awaited before the account counts as live again. */
  connected(): void {
    this.snapshotReceived = false;
  }

  disconnected(): void {
    this.snapshotReceived = false;
  }

  markStopped(): void {
    this.stopped = true;
  }

  workingOrders(): ReadonlyMap<string, WorkingOrder> {
    return this.translator.workingOrders();
  }

  /** Applies one frame of the account's connection. */
  handle(frame: PrivateFrame, receiveMs: number): void {
    this.lastMessageMs = receiveMs;
    if (frame.kind === 'executions') {
      // An order Kraken reports again is no longer to be settled from its history.
      for (const entry of frame.data) this.awaitingHistory.delete(entry.orderId);
      const result = this.translator.apply(frame.type, frame.data);
      this.publishTranslation(result);
      const vanished = result.reconciliation?.vanished ?? [];
      if (vanished.length > 0) {
        // Closed while the feed was away with no trade to say how: working (the safe side for
        // exposure) until Kraken's order history proves how, asked without holding up frames.
        for (const id of vanished) this.awaitingHistory.add(id);
        if (this.options.history) void this.settleFromHistory(this.options.history, vanished);
        else this.leftWorking(vanished.map((orderId) => ({ orderId, outcome: 'unknown', detail: 'no order history' })));
      }
      if (frame.type === 'snapshot') this.snapshotReceived = true;
      for (const order of result.newOrders) void this.vet(order);
      return;
    }
    if (frame.kind === 'balances') {
      const { events, problems } = translateBalances(this.accountId, frame.data, new Date(receiveMs).toISOString());
      for (const event of events) this.publish(event);
      for (const problem of problems)
        this.options.log('warn', 'balance not translated', { accountId: this.accountId, problem });
    }
  }

  /** Evaluates and writes the account's feed status; resolves to what was written. */
  async writeStatus(): Promise<AccountFeedStatus> {
    const now = this.now();
    const verdict = evaluateAccountFeed(
      {
        keyAvailable: this.keyAvailable,
        connected: this.connection?.connected ?? false,
        snapshotReceived: this.snapshotReceived,
        lastMessageMs: this.lastMessageMs,
        publishFailing: this.options.sink.oldestPendingAgeMs(now) > this.options.publishMaxDelayMs,
        stopped: this.stopped,
      },
      now,
      this.options.maxSilenceMs,
    );
    if (verdict.state !== this.state) {
      this.sinceMs = now;
      if (this.state !== undefined || verdict.state === 'failed_closed') {
        this.options.log(verdict.state === 'live' ? 'info' : 'warn', 'account feed status changed', {
          accountId: this.accountId,
          state: verdict.state,
          reason: verdict.reason,
        });
      }
      this.state = verdict.state;
    }
    const status: AccountFeedStatus = {
      state: verdict.state,
      reason: verdict.reason,
      sinceMs: this.sinceMs,
      lastMessageMs: this.lastMessageMs,
      updatedMs: now,
    };
    await this.options.statusStore.write(this.accountId, status, this.options.statusTtlMs);
    return status;
  }

  /** One tick of the dead man's switch with the gate's current health. */
  async tickDeadMansSwitch(health: GateHealthVerdict): Promise<void> {
    if (!this.schedule || this.arming) return;
    const now = this.now();
    const decision = this.schedule.decide(now, health);
    if (decision.action === 'withhold') {
      this.counters.deadMansWithheld++;
      if (!this.withholding) {
        this.options.log('warn', "dead man's switch no longer refreshed: gate unhealthy", {
          accountId: this.accountId,
          reasons: decision.reasons,
          cancelsAtMs: this.schedule.deadline(),
        });
      }
      this.withholding = true;
      return;
    }
    this.withholding = false;
    if (decision.action !== 'arm' || !this.connection?.connected) return;
    this.arming = true;
    try {
      const answer = await this.connection.call((token, reqId) =>
        cancelAllOrdersAfterRequest(decision.timeoutSeconds, token, reqId),
      );
      if (!answer.success) throw new Error(answer.error ?? 'refused');
      this.schedule.armed(now);
      this.counters.deadMansArmed++;
    } catch (error) {
      this.schedule.refreshFailed();
      this.options.log('warn', "dead man's switch refresh failed", {
        accountId: this.accountId,
        error: error instanceof Error ? error.message : 'unknown',
      });
    } finally {
      this.arming = false;
    }
  }

  private publish(event: OrderEvent | BalanceEvent): void {
    if (!this.dedup.firstSeen(`${event.kind}:${event.event_id}`)) {
      this.counters.duplicates++;
      return;
    }
    this.counters.events++;
    this.options.sink.publish(this.accountId, event);
  }

  /**
   * Asks Kraken's order history about orders that vanished and applies what it proves, for
   * those still held and not reported again meanwhile. On failure they stay working; the
   * next snapshot (a reconnect) finds them vanished again and asks again.
   */
  private async settleFromHistory(history: AccountOrderHistory, orderIds: readonly string[]): Promise<void> {
    let answer: ReadonlyMap<string, OrderHistoryEntry>;
    try {
      answer = await history.query(orderIds);
    } catch (error) {
      this.counters.unsettled += orderIds.length;
      this.options.log('warn', 'order history unavailable; orders closed while disconnected left working', {
        accountId: this.accountId,
        orderIds,
        error: error instanceof Error ? error.message : 'unknown',
      });
      return;
    }
    // A stopped task has flushed its stream: an event published now could be lost.
    if (this.stopped) return;
    const settled: string[] = [];
    const left: { orderId: string; outcome: string; detail: string }[] = [];
    for (const orderId of orderIds) {
      if (!this.awaitingHistory.has(orderId)) continue;
      const result = this.translator.settle(orderId, answer.get(orderId));
      const { settlement } = result;
      this.publishTranslation(result);
      if (settlement.kind === 'gone' || settlement.kind === 'still_open') {
        // Settled meanwhile, or open after all: the next snapshot shows it.
        this.awaitingHistory.delete(orderId);
      } else if (settlement.kind === 'close' && result.events.length > 0) {
        this.awaitingHistory.delete(orderId);
        this.counters.settledFromHistory++;
        settled.push(orderId);
      } else if (settlement.kind === 'close') {
        left.push({ orderId, outcome: 'unknown', detail: `${settlement.execution.execType} event not built` });
      } else if (settlement.kind === 'fills_missed') {
        const cumQty = this.translator.workingOrders().get(orderId)?.cumQty;
        left.push({
          orderId,
          outcome: 'fills_missed',
          detail: `Kraken ${settlement.status}, vol_exec ${settlement.volExec}, feed saw ${cumQty ?? '?'}`,
        });
      } else if (settlement.kind === 'unknown') {
        left.push({ orderId, outcome: 'unknown', detail: settlement.problem });
      }
    }
    if (settled.length > 0) {
      this.options.log('info', 'orders closed while disconnected settled from order history', {
        accountId: this.accountId,
        orderIds: settled,
      });
    }
    this.leftWorking(left);
  }

  /** Publishes what the translator made of Kraken's messages and reports what it could not read. */
  private publishTranslation(result: Translation): void {
    for (const event of result.events) this.publish(event);
    for (const problem of result.problems) {
      this.counters.problems++;
      this.options.log('warn', 'execution not translated', { accountId: this.accountId, ...problem });
    }
  }

  /** The operator's cue: orders closed on Kraken that stay working here until settled by hand. */
  private leftWorking(orders: readonly { orderId: string; outcome: string; detail: string }[]): void {
    for (const order of orders) {
      this.counters.unsettled++;
      this.options.log('warn', 'order closed while disconnected left working', {
        accountId: this.accountId,
        clOrdId: this.translator.workingOrders().get(order.orderId)?.clOrdId ?? null,
        ...order,
      });
    }
  }

  private async vet(order: WorkingOrder): Promise<void> {
    let reason: UnvettedOrderReport['reason'];
    if (!order.clOrdId) {
      reason = 'no_cl_ord_id';
    } else {
      try {
        const outcome = vetOrder(order.clOrdId, await this.options.decisions.verdict(this.accountId, order.clOrdId));
        if (outcome.vetted) return;
        reason = outcome.reason;
      } catch {
        // The decision store did not answer: the order cannot be shown to be vetted.
        reason = 'lookup_failed';
      }
    }
    // A failed lookup is reported but never canceled on: the store, not the order, is at fault.
    const cancel = this.options.cancelUnvetted && reason !== 'lookup_failed';
    const report: UnvettedOrderReport = {
      accountId: this.accountId,
      orderId: order.orderId,
      clOrdId: order.clOrdId,
      symbol: order.symbol,
      side: order.side,
      orderQty: order.orderQty,
      limitPrice: order.limitPrice,
      reason,
      action: cancel ? 'cancel_requested' : 'reported',
      detectedAt: new Date(this.now()).toISOString(),
    };
    this.counters.unvetted++;
    this.options.log('warn', 'unvetted order on Kraken', { ...report });
    await this.options.audit.record(report).catch((error: unknown) => {
      this.options.log('error', 'unvetted order audit failed', {
        accountId: this.accountId,
        orderId: order.orderId,
        error: error instanceof Error ? error.message : 'unknown',
      });
    });
    if (!cancel || !this.connection) return;
    try {
      const answer = await this.connection.call((token, reqId) => cancelOrderRequest([order.orderId], token, reqId));
      if (!answer.success) throw new Error(answer.error ?? 'refused');
      this.counters.unvettedCanceled++;
    } catch (error) {
      this.options.log('error', 'cancel of an unvetted order failed', {
        accountId: this.accountId,
        orderId: order.orderId,
        error: error instanceof Error ? error.message : 'unknown',
      });
    }
  }
}
