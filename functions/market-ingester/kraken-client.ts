import WebSocket from 'ws';
import {
  type KrakenFrame,
  KrakenProtocolError,
  type PublicChannel,
  parseKrakenFrame,
  pingRequest,
  subscriptionRequest,
} from '../../shared/domain/market/kraken-v2.js';
import { ConnectionBudget, fullJitterDelayMs } from '../../shared/domain/market/reconnect-policy.js';
import type { IngestPipeline } from './pipeline.js';

export interface KrakenFeedOptions {
  readonly url: string;
  readonly symbols: readonly string[];
  readonly depth: number;
  readonly pipeline: IngestPipeline;
  /** No frame at all for this long (Kraken heartbeats every second) -> reconnect. @default 5000 */
  readonly silenceTimeoutMs?: number;
  /** App-level ping period. @default 10000 */
  readonly pingIntervalMs?: number;
  /** @default 500 */
  readonly reconnectBaseMs?: number;
  /** @default 30000 */
  readonly reconnectCapMs?: number;
  /** Connection attempts allowed per 10 minutes (Kraken bans at ~150). @default 120 */
  readonly connectAttemptsPer10Min?: number;
  /** Delay before retrying a subscription Kraken refused. @default 2000 */
  readonly subscriptionRetryMs?: number;
  readonly random?: () => number;
  /** Every raw frame as received (recording). */
  readonly onRawFrame?: (text: string, receiveMs: number) => void;
  readonly log?: (level: 'info' | 'warn' | 'error', message: string, extra?: Record<string, unknown>) => void;
}

type SubState = 'pending' | 'subscribed' | 'refused' | 'resyncing';

export interface FeedCounters {
  connectAttempts: number;
  connections: number;
  reconnects: number;
  silenceDetected: number;
  budgetDeferrals: number;
  subscriptionErrors: number;
  protocolErrors: number;
  checksumResyncs: number;
  heartbeats: number;
  pongs: number;
}

export interface FeedSnapshot {
  readonly connected: boolean;
  readonly system: string;
  readonly subscribed: boolean;
  readonly pendingSubscriptions: string[];
  readonly lastFrameMs: number;
  readonly lastHeartbeatMs: number;
  readonly lastPingRttMs: number | undefined;
  readonly nextConnectAt: number | undefined;
  readonly attempt: number;
}

const CHANNELS: readonly Exclude<PublicChannel, 'instrument'>[] = ['book', 'ticker', 'trade'];
const TEN_MINUTES_MS = 600_000;

/**
 * Kraken WebSocket v2 client: one connection, subscriptions to instrument (first: book
 * checksums need its precisions) then book, ticker and trade for every symbol; acks and
 * errors matched per `req_id` and symbol; app-level ping; silence detection; reconnect with
 * capped exponential backoff and full jitter under a connection-attempt budget; and a
 * resubscribe (unsubscribe + subscribe) of a book whose checksum failed.
 */
export class KrakenFeedClient {
  readonly counters: FeedCounters = {
    connectAttempts: 0,
    connections: 0,
    reconnects: 0,
    silenceDetected: 0,
    budgetDeferrals: 0,
    subscriptionErrors: 0,
    protocolErrors: 0,
    checksumResyncs: 0,
    heartbeats: 0,
    pongs: 0,
  };
  private ws: WebSocket | undefined;
  private stopped = true;
  private attempt = 0;
  private reqId = 0;
  private readonly budget: ConnectionBudget;
  private readonly subs = new Map<string, SubState>();
  private readonly requests = new Map<number, { channel: PublicChannel; method: 'subscribe' | 'unsubscribe' }>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private watchdog: NodeJS.Timeout | undefined;
  private pinger: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private nextConnectAt: number | undefined;
  private instrumentReady = false;
  private system = 'unknown';
  private lastFrameMs = 0;
  private lastHeartbeatMs = 0;
  private pingSentAt = new Map<number, number>();
  private lastPingRttMs: number | undefined;
  private readonly random: () => number;
  /** The configured symbols plus those added while running; subscribed on every (re)connect. */
  private readonly symbols: string[];

  constructor(private readonly options: KrakenFeedOptions) {
    this.symbols = [...options.symbols];
    this.budget = new ConnectionBudget(options.connectAttemptsPer10Min ?? 120, TEN_MINUTES_MS);
    this.random = options.random ?? Math.random;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  /** Closes the connection and stops reconnecting. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.stopTimers();
    const ws = this.ws;
    this.ws = undefined;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        ws.close(1000);
        setTimeout(() => {
          ws.terminate();
          resolve();
        }, 1_000).unref();
      });
    }
  }

  snapshot(): FeedSnapshot {
    const pending = [...this.subs.entries()].filter(([, state]) => state !== 'subscribed').map(([key]) => key);
    return {
      connected: this.ws?.readyState === WebSocket.OPEN,
      system: this.system,
      subscribed: this.instrumentReady && this.subs.size > 0 && pending.length === 0,
      pendingSubscriptions: pending,
      lastFrameMs: this.lastFrameMs,
      lastHeartbeatMs: this.lastHeartbeatMs,
      lastPingRttMs: this.lastPingRttMs,
      nextConnectAt: this.nextConnectAt,
      attempt: this.attempt,
    };
  }

  /** Attempts recorded in the current 10-minute window. */
  attemptsInWindow(nowMs = Date.now()): number {
    return this.budget.used(nowMs);
  }

  private log(level: 'info' | 'warn' | 'error', message: string, extra?: Record<string, unknown>): void {
    this.options.log?.(level, message, extra);
  }

  private connect(): void {
    if (this.stopped) return;
    const now = Date.now();
    if (!this.budget.tryAcquire(now)) {
      this.counters.budgetDeferrals++;
      const wait = this.budget.nextAllowedAt(now) - now + 1;
      this.log('warn', 'connection budget exhausted; waiting for the window to slide', { waitMs: wait });
      this.scheduleConnect(wait);
      return;
    }
    this.counters.connectAttempts++;
    this.nextConnectAt = undefined;
    const ws = new WebSocket(this.options.url, { handshakeTimeout: 5_000, perMessageDeflate: false });
    this.ws = ws;
    let closed = false;
    const onGone = (reason: string) => {
      if (closed) return;
      closed = true;
      this.disconnected(ws, reason);
    };
    ws.on('open', () => {
      this.counters.connections++;
      this.lastFrameMs = Date.now();
      this.log('info', 'connected to Kraken', { url: this.options.url });
      this.subscribeInstrument();
      this.startTimers(ws);
    });
    ws.on('message', (data, isBinary) => {
      if (ws !== this.ws) return;
      const receiveMs = Date.now();
      this.lastFrameMs = receiveMs;
      if (isBinary) return;
      this.onText(data.toString(), receiveMs);
      // After the frame is applied: a book it sent into resync is no longer live.
      if (ws === this.ws) this.options.pipeline.connectionCurrent(receiveMs);
    });
    ws.on('unexpected-response', (_req, res) => {
      this.log('warn', 'Kraken refused the WebSocket upgrade', { statusCode: res.statusCode });
      ws.terminate();
      onGone(`http ${res.statusCode}`);
    });
    ws.on('error', (error) => onGone(error.message));
    ws.on('close', (code) => onGone(`close ${code}`));
  }

  private scheduleConnect(delayMs: number): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.nextConnectAt = Date.now() + delayMs;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect();
    }, delayMs);
  }

  private disconnected(ws: WebSocket, reason: string): void {
    if (ws !== this.ws) return;
    this.ws = undefined;
    this.stopTimers();
    this.subs.clear();
    this.requests.clear();
    this.instrumentReady = false;
    this.options.pipeline.disconnected();
    if (this.stopped) return;
    this.counters.reconnects++;
    const delay = fullJitterDelayMs(
      this.attempt,
      this.options.reconnectBaseMs ?? 500,
      this.options.reconnectCapMs ?? 30_000,
      this.random,
    );
    this.attempt++;
    this.log('warn', 'Kraken connection lost; reconnecting', { reason, delayMs: delay, attempt: this.attempt });
    this.scheduleConnect(delay);
  }

  private startTimers(ws: WebSocket): void {
    const silenceMs = this.options.silenceTimeoutMs ?? 5_000;
    this.watchdog = setInterval(
      () => {
        if (Date.now() - this.lastFrameMs > silenceMs) {
          this.counters.silenceDetected++;
          this.log('warn', 'no frame from Kraken within the silence timeout; reconnecting', { silenceMs });
          ws.terminate();
        }
      },
      Math.max(10, Math.min(1_000, Math.floor(silenceMs / 4))),
    );
    this.pinger = setInterval(() => {
      const id = this.nextReqId();
      this.pingSentAt.set(id, performance.now());
      this.send(pingRequest(id));
    }, this.options.pingIntervalMs ?? 10_000);
  }

  private stopTimers(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    if (this.pinger) clearInterval(this.pinger);
    this.watchdog = undefined;
    this.pinger = undefined;
    this.pingSentAt.clear();
  }

  private nextReqId(): number {
    this.reqId = (this.reqId % 2_000_000_000) + 1;
    return this.reqId;
  }

  private send(text: string): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(text);
  }

  private request(method: 'subscribe' | 'unsubscribe', channel: PublicChannel, symbols: readonly string[]): void {
    const id = this.nextReqId();
    this.requests.set(id, { channel, method });
    if (this.requests.size > 1_000) this.requests.delete(this.requests.keys().next().value as number);
    this.send(subscriptionRequest(method, channel, symbols, id, channel === 'book' ? this.options.depth : undefined));
  }

  private subscribeInstrument(): void {
    this.subs.set('instrument', 'pending');
    this.request('subscribe', 'instrument', []);
  }

  private subscribeData(symbols: readonly string[] = this.symbols): void {
    for (const channel of CHANNELS) {
      for (const symbol of symbols) this.subs.set(`${channel}:${symbol}`, 'pending');
      this.request('subscribe', channel, symbols);
    }
  }

  /**
   * Subscribes more symbols on the live connection (the universe grew), and on every
   * reconnect after it. Symbols already subscribed are ignored. The pipeline must know them
   * first (IngestPipeline.addSymbols), or their frames are dropped.
   */
  addSymbols(symbols: readonly string[]): void {
    const added = symbols.filter((symbol) => !this.symbols.includes(symbol));
    if (added.length === 0) return;
    this.symbols.push(...added);
    // Before the instrument snapshot, subscribeData will include them anyway.
    if (this.instrumentReady && this.ws?.readyState === WebSocket.OPEN) this.subscribeData(added);
  }

  /** Every symbol this client subscribes to. */
  subscribedSymbols(): readonly string[] {
    return this.symbols;
  }

  /** Resubscribes a book whose checksum failed: unsubscribe, then subscribe on the ack. */
  private resync(symbol: string): void {
    const key = `book:${symbol}`;
    if (this.subs.get(key) !== 'subscribed') return;
    this.counters.checksumResyncs++;
    this.subs.set(key, 'resyncing');
    this.request('unsubscribe', 'book', [symbol]);
  }

  private onText(text: string, receiveMs: number): void {
    this.options.onRawFrame?.(text, receiveMs);
    let frame: KrakenFrame;
    try {
      frame = parseKrakenFrame(text);
    } catch (error) {
      this.counters.protocolErrors++;
      this.log('warn', 'unparseable frame from Kraken', {
        error: error instanceof KrakenProtocolError ? error.message : String(error),
      });
      return;
    }
    switch (frame.kind) {
      case 'heartbeat':
        this.counters.heartbeats++;
        this.lastHeartbeatMs = receiveMs;
        return;
      case 'status':
        if (frame.system !== this.system) this.log('info', 'Kraken system status', { system: frame.system });
        this.system = frame.system;
        return;
      case 'pong': {
        this.counters.pongs++;
        const sent = frame.reqId === null ? undefined : this.pingSentAt.get(frame.reqId);
        if (sent !== undefined && frame.reqId !== null) {
          this.lastPingRttMs = performance.now() - sent;
          this.pingSentAt.delete(frame.reqId);
        }
        return;
      }
      case 'ack':
        this.onAck(frame.method, frame.channel, frame.symbol, frame.depth);
        return;
      case 'error':
        this.onError(frame.reqId, frame.symbol, frame.error);
        return;
      case 'instrument':
        this.options.pipeline.handle(frame, receiveMs);
        if (!this.instrumentReady) {
          this.instrumentReady = true;
          this.subscribeData();
        }
        return;
      case 'book': {
        const before = this.options.pipeline.counters.resyncRequests;
        this.options.pipeline.handle(frame, receiveMs);
        if (this.options.pipeline.counters.resyncRequests !== before) {
          for (const data of frame.data) {
            if (!this.options.pipeline.state.get(data.symbol)?.live) this.resync(data.symbol);
          }
        }
        if (this.attempt > 0 && this.options.pipeline.allLive()) this.attempt = 0;
        return;
      }
      default:
        this.options.pipeline.handle(frame, receiveMs);
    }
  }

  private onAck(
    method: 'subscribe' | 'unsubscribe',
    channel: string,
    symbol: string | null,
    depth: number | null,
  ): void {
    if (channel === 'instrument') {
      if (method === 'subscribe') this.subs.set('instrument', 'subscribed');
      return;
    }
    if (!symbol) return;
    const key = `${channel}:${symbol}`;
    if (method === 'subscribe') {
      this.subs.set(key, 'subscribed');
      if (channel === 'book' && depth !== null) this.options.pipeline.books.setDepth(symbol, depth);
    } else if (this.subs.get(key) === 'resyncing') {
      this.subs.set(key, 'pending');
      this.request('subscribe', 'book', [symbol]);
    }
  }

  private onError(reqId: number | null, symbol: string | null, error: string): void {
    this.counters.subscriptionErrors++;
    const request = reqId === null ? undefined : this.requests.get(reqId);
    this.log('warn', 'Kraken refused a request', { reqId, symbol, error, channel: request?.channel });
    if (request?.method !== 'subscribe') return;
    const channel = request.channel;
    const key = channel === 'instrument' ? 'instrument' : symbol ? `${channel}:${symbol}` : undefined;
    if (!key) return;
    this.subs.set(key, 'refused');
    // Retry the one refused subscription on this connection, with a pause, without
    // touching the others or the connection budget.
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.subs.get(key) !== 'refused') return;
      this.subs.set(key, 'pending');
      this.request('subscribe', channel, channel === 'instrument' ? [] : [symbol as string]);
    }, this.options.subscriptionRetryMs ?? 2_000);
    this.timers.add(timer);
  }
}
