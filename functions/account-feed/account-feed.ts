import { ownsAccount } from '../../shared/domain/account-feed/sharding.js';
import { ConnectionBudget } from '../../shared/domain/market/reconnect-policy.js';
import { CATALOGUE } from '../../shared/metrics/catalogue.js';
import { emitMetric } from '../../shared/metrics/emit.js';
import { metrics } from '../../shared/runtime/observability.js';
import { AccountSession } from './account-session.js';
import { type AccountFeedConfig, selects } from './config.js';
import { noCounts, recordAccountFeedCounts, recordFailedClosed } from './feed-metrics.js';
import type {
  AccountFeedStatusStore,
  AccountKey,
  AccountKeyDirectory,
  DecisionLookup,
  ExecutionEventSink,
  FeedLog,
  GateHealth,
  OrderHistory,
  UnvettedOrderAudit,
  WebSocketTokenSource,
} from './ports.js';
import { PrivateConnection } from './private-connection.js';

/** Settings the service reads: the parsed config (tests build one directly). */
export type AccountFeedSettings = Pick<
  AccountFeedConfig,
  | 'KRAKEN_WS_AUTH_URL'
  | 'KEY_REFRESH_MS'
  | 'SHARD_INDEX'
  | 'SHARD_COUNT'
  | 'FEED_MAX_SILENCE_MS'
  | 'STATUS_INTERVAL_MS'
  | 'STATUS_TTL_MS'
  | 'PING_INTERVAL_MS'
  | 'RECONNECT_BASE_MS'
  | 'RECONNECT_CAP_MS'
  | 'CONNECT_ATTEMPTS_PER_10_MIN'
  | 'DEAD_MANS_SWITCH_ACCOUNTS'
  | 'DEAD_MANS_SWITCH_TIMEOUT_S'
  | 'DEAD_MANS_SWITCH_REFRESH_MS'
  | 'CANCEL_UNVETTED_ACCOUNTS'
  | 'PUBLISH_MAX_DELAY_MS'
  | 'METRICS_INTERVAL_MS'
>;

export interface AccountFeedPorts {
  readonly keys: AccountKeyDirectory;
  readonly tokens: WebSocketTokenSource;
  readonly sink: ExecutionEventSink;
  readonly statusStore: AccountFeedStatusStore;
  readonly decisions: DecisionLookup;
  readonly audit: UnvettedOrderAudit;
  readonly health: GateHealth;
  /** Kraken's order history, to settle orders that closed while a feed was away. Without it they are only reported. */
  readonly orderHistory?: OrderHistory;
  readonly log: FeedLog;
  /** Emit EMF metrics every METRICS_INTERVAL_MS. @default true */
  readonly emitMetrics?: boolean;
}

interface Served {
  readonly session: AccountSession;
  readonly connection: PrivateConnection;
  fingerprint: string;
}

/**
 * The long-lived account feed: serves every account of its shard that has a Kraken key,
 * one private connection each. Keys are re-listed every KEY_REFRESH_MS (a new key starts a
 * feed, a rotated key reconnects with the new one, a removed key fails its account closed and
 * stops its feed); every status tick writes each account's status for the risk API; every
 * tick of the dead man's switch asks the gate's health once and refreshes or withholds.
 */
export class AccountFeedService {
  private readonly served = new Map<string, Served>();
  private readonly budget: ConnectionBudget;
  private readonly timers: NodeJS.Timeout[] = [];
  private refreshing: Promise<void> | undefined;
  private stopping = false;
  private lastHealth: { healthy: boolean; reasons: readonly string[] } = { healthy: false, reasons: ['not_checked'] };

  constructor(
    private readonly settings: AccountFeedSettings,
    private readonly ports: AccountFeedPorts,
  ) {
    this.budget = new ConnectionBudget(settings.CONNECT_ATTEMPTS_PER_10_MIN, 600_000);
  }

  async start(): Promise<void> {
    await this.refreshKeys();
    this.every(this.settings.KEY_REFRESH_MS, () => this.refreshKeys());
    this.every(this.settings.STATUS_INTERVAL_MS, () => this.writeStatuses());
    this.every(Math.min(1_000, this.settings.DEAD_MANS_SWITCH_REFRESH_MS), () => this.tickDeadMansSwitches());
    if (this.ports.emitMetrics !== false) {
      this.every(this.settings.METRICS_INTERVAL_MS, async () => {
        this.addCounterMetrics();
        metrics.publishStoredMetrics();
      });
    }
  }

  /** Accounts served by this task. */
  accounts(): string[] {
    return [...this.served.keys()];
  }

  session(accountId: string): AccountSession | undefined {
    return this.served.get(accountId)?.session;
  }

  connection(accountId: string): PrivateConnection | undefined {
    return this.served.get(accountId)?.connection;
  }

  gateHealth(): { healthy: boolean; reasons: readonly string[] } {
    return this.lastHealth;
  }

  /** Re-lists the keys now (also runs every KEY_REFRESH_MS). */
  refreshKeys(): Promise<void> {
    this.refreshing ??= this.doRefresh().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /** Stops every feed, writes each account failed closed ('stopped') and flushes the stream. */
  async stop(flushTimeoutMs = 10_000): Promise<void> {
    this.stopping = true;
    for (const timer of this.timers) clearInterval(timer);
    await Promise.all([...this.served.values()].map((s) => s.connection.stop()));
    for (const { session } of this.served.values()) session.markStopped();
    await this.writeStatuses();
    await this.ports.sink.flush(flushTimeoutMs);
  }

  private every(intervalMs: number, task: () => Promise<unknown>): void {
    let running = false;
    const timer = setInterval(() => {
      if (running || this.stopping) return;
      running = true;
      task()
        .catch((error: unknown) =>
          this.ports.log('error', 'account feed task failed', {
            error: error instanceof Error ? error.message : 'unknown',
          }),
        )
        .finally(() => {
          running = false;
        });
    }, intervalMs);
    this.timers.push(timer);
  }

  private async doRefresh(): Promise<void> {
    let keys: AccountKey[];
    try {
      keys = await this.ports.keys.list();
    } catch (error) {
      // Keep serving the keys already held: a failed listing is not a removed key.
      this.ports.log('warn', 'listing Kraken keys failed', {
        error: error instanceof Error ? error.message : 'unknown',
      });
      return;
    }
    const mine = keys.filter((k) => ownsAccount(k.accountId, this.settings.SHARD_INDEX, this.settings.SHARD_COUNT));
    const current = new Set(mine.map((k) => k.accountId));
    for (const key of mine) {
      const served = this.served.get(key.accountId);
      if (!served) this.serve(key);
      else if (served.fingerprint !== key.fingerprint) {
        this.ports.log('info', 'Kraken key rotated; reconnecting with the new key', { accountId: key.accountId });
        served.fingerprint = key.fingerprint;
        served.session.setKeyAvailable(true);
        served.connection.replaceCredentials(key.credentials);
      }
    }
    for (const [accountId, served] of this.served) {
      if (current.has(accountId)) continue;
      this.ports.log('warn', 'Kraken key gone; account failed closed', { accountId });
      // Out of the served set first: the status pass must not write this account again,
      // and by the time anyone reads no_key the task has let the account go.
      this.served.delete(accountId);
      served.session.setKeyAvailable(false);
      await served.session.writeStatus().catch(() => undefined);
      await served.connection.stop();
    }
  }

  private serve(key: AccountKey): void {
    const s = this.settings;
    const history = this.ports.orderHistory;
    const session = new AccountSession({
      accountId: key.accountId,
      sink: this.ports.sink,
      statusStore: this.ports.statusStore,
      decisions: this.ports.decisions,
      audit: this.ports.audit,
      log: this.ports.log,
      // Asked only after the connection delivered a snapshot, so `connection` is set by then;
      // it holds the key in use, rotations included.
      history: history && { query: (orderIds) => history.query(connection.currentCredentials, orderIds) },
      maxSilenceMs: s.FEED_MAX_SILENCE_MS,
      publishMaxDelayMs: s.PUBLISH_MAX_DELAY_MS,
      statusTtlMs: s.STATUS_TTL_MS,
      cancelUnvetted: selects(s.CANCEL_UNVETTED_ACCOUNTS, key.accountId),
      deadMansSwitch: selects(s.DEAD_MANS_SWITCH_ACCOUNTS, key.accountId)
        ? { timeoutSeconds: s.DEAD_MANS_SWITCH_TIMEOUT_S, refreshMs: s.DEAD_MANS_SWITCH_REFRESH_MS }
        : undefined,
    });
    const connection = new PrivateConnection({
      accountId: key.accountId,
      url: s.KRAKEN_WS_AUTH_URL,
      tokens: this.ports.tokens,
      credentials: key.credentials,
      budget: this.budget,
      silenceTimeoutMs: s.FEED_MAX_SILENCE_MS,
      pingIntervalMs: s.PING_INTERVAL_MS,
      reconnectBaseMs: s.RECONNECT_BASE_MS,
      reconnectCapMs: s.RECONNECT_CAP_MS,
      onFrame: (frame, receiveMs) => session.handle(frame, receiveMs),
      onConnected: () => session.connected(),
      onDisconnected: () => {
        session.disconnected();
        emitMetric(metrics, CATALOGUE.accountFeedReconnects, 1);
      },
      log: this.ports.log,
    });
    session.attach(connection);
    this.served.set(key.accountId, { session, connection, fingerprint: key.fingerprint });
    this.ports.log('info', 'serving account', {
      accountId: key.accountId,
      deadMansSwitch: selects(s.DEAD_MANS_SWITCH_ACCOUNTS, key.accountId),
    });
    connection.start();
  }

  private async writeStatuses(): Promise<void> {
    let failed = 0;
    await Promise.all(
      [...this.served.values()].map(async ({ session }) => {
        try {
          const status = await session.writeStatus();
          if (status.state !== 'live') failed++;
        } catch (error) {
          failed++;
          this.ports.log('warn', 'writing account feed status failed', {
            accountId: session.accountId,
            error: error instanceof Error ? error.message : 'unknown',
          });
        }
      }),
    );
    recordFailedClosed(metrics, failed);
  }

  private readonly reported = noCounts();

  /** Session counters since the last report, as EMF counts (no per-account dimension: logs name the account). */
  private addCounterMetrics(): void {
    const total = noCounts();
    for (const { session } of this.served.values()) {
      const c = session.counters;
      total.events += c.events;
      total.duplicates += c.duplicates;
      total.unvetted += c.unvetted;
      total.unvettedCanceled += c.unvettedCanceled;
      total.armed += c.deadMansArmed;
      total.withheld += c.deadMansWithheld;
      total.settled += c.settledFromHistory;
      total.leftWorking += c.unsettled;
    }
    const since = { ...total };
    for (const field of Object.keys(total) as (keyof typeof total)[]) {
      since[field] = total[field] - this.reported[field];
      this.reported[field] = total[field];
    }
    recordAccountFeedCounts(metrics, since);
  }

  private async tickDeadMansSwitches(): Promise<void> {
    const sessions = [...this.served.values()].map((s) => s.session);
    if (sessions.length === 0) return;
    this.lastHealth = await this.ports.health.check(Date.now()).catch(() => ({
      healthy: false,
      reasons: ['health_check_failed'],
    }));
    await Promise.all(sessions.map((session) => session.tickDeadMansSwitch(this.lastHealth)));
  }
}
