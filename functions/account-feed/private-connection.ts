import WebSocket from 'ws';
import type { KrakenCredentials } from '../../shared/adapters/kraken-rest.js';
import {
  KrakenPrivateProtocolError,
  type PrivateFrame,
  parsePrivateFrame,
  privatePingRequest,
  subscribeBalancesRequest,
  subscribeExecutionsRequest,
} from '../../shared/domain/account-feed/kraken-private-v2.js';
import { type ConnectionBudget, fullJitterDelayMs } from '../../shared/domain/market/reconnect-policy.js';
import type { FeedLog, WebSocketTokenSource } from './ports.js';

export interface PrivateConnectionOptions {
  readonly accountId: string;
  readonly url: string;
  readonly tokens: WebSocketTokenSource;
  readonly credentials: KrakenCredentials;
  /** Shared by every connection of the task: Kraken's connection limit is per IP. */
  readonly budget: ConnectionBudget;
  /**
   * No frame for this long -> drop and reconnect. Also the time Kraken has, after the socket
   * opens, to answer the subscription with the executions snapshot.
   */
  readonly silenceTimeoutMs: number;
  readonly pingIntervalMs: number;
  readonly reconnectBaseMs: number;
  readonly reconnectCapMs: number;
  /** Time a method call (cancel_order, cancel_all_orders_after) may wait for its answer. @default 5000 */
  readonly requestTimeoutMs?: number;
  readonly random?: () => number;
  readonly onFrame: (frame: PrivateFrame, receiveMs: number) => void;
  readonly onConnected: () => void;
  readonly onDisconnected: (reason: string) => void;
  readonly log: FeedLog;
}

export interface MethodAnswer {
  readonly success: boolean;
  readonly error: string | null;
  readonly result: Record<string, unknown> | null;
}

/** A method call that got no answer (connection gone, timeout). */
export class PrivateRequestError extends Error {
  override readonly name = 'PrivateRequestError';
}

/**
 * One account's connection to Kraken's authenticated WS v2: a fresh token from REST before
 * every connect (Kraken: connect within 15 minutes of issue), subscriptions to `executions`
 * and `balances`, app-level ping, a silence watchdog, reconnects with capped exponential
 * backoff and full jitter under the task's connection budget, and method calls matched to
 * their answers by `req_id`. The token and the key never leave this object or reach a log.
 */
export class PrivateConnection {
  private ws: WebSocket | undefined;
  private stopped = true;
  private attempt = 0;
  private reqId = 0;
  private token: string | undefined;
  private credentials: KrakenCredentials;
  private lastFrameMs = 0;
  private openedMs = 0;
  /** The executions snapshot arrived on the current socket: the subscription took. */
  private subscribed = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private pinger: NodeJS.Timeout | undefined;
  private readonly pending = new Map<
    number,
    { resolve: (a: MethodAnswer) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
  >();
  private readonly random: () => number;
  readonly counters = {
    connects: 0,
    reconnects: 0,
    tokenFailures: 0,
    silences: 0,
    protocolErrors: 0,
    /** Sockets dropped because the executions snapshot never came. */
    snapshotTimeouts: 0,
  };

  constructor(private readonly options: PrivateConnectionOptions) {
    this.credentials = options.credentials;
    this.random = options.random ?? Math.random;
  }

  /** The key in use: the latest a rotation handed over. */
  get currentCredentials(): KrakenCredentials {
    return this.credentials;
  }

  get connected(): boolean {
    return this.ws?.readyState === WebSocket.OPEN && this.token !== undefined;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.connect();
  }

  /** A rotated key: the next connection uses it; the current one is dropped so that happens now. */
  replaceCredentials(credentials: KrakenCredentials): void {
    this.credentials = credentials;
    this.attempt = 0;
    this.ws?.terminate();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.stopTimers();
    this.failPending('connection stopped');
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

  /** Sends a method with the connection's token and waits for Kraken's answer. */
  call(build: (token: string, reqId: number) => string): Promise<MethodAnswer> {
    const ws = this.ws;
    const token = this.token;
    if (!ws || ws.readyState !== WebSocket.OPEN || !token) {
      return Promise.reject(new PrivateRequestError('not connected'));
    }
    const id = this.nextReqId();
    return new Promise<MethodAnswer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new PrivateRequestError('no answer in time'));
      }, this.options.requestTimeoutMs ?? 5_000);
      this.pending.set(id, { resolve, reject, timer });
      ws.send(build(token, id));
    });
  }

  private nextReqId(): number {
    this.reqId = (this.reqId % 2_000_000_000) + 1;
    return this.reqId;
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const now = Date.now();
    if (!this.options.budget.tryAcquire(now)) {
      const wait = this.options.budget.nextAllowedAt(now) - now + 1;
      this.options.log('warn', 'connection budget exhausted; waiting', {
        accountId: this.options.accountId,
        waitMs: wait,
      });
      this.schedule(wait);
      return;
    }
    let token: string;
    try {
      token = await this.options.tokens.token(this.credentials);
    } catch (error) {
      this.counters.tokenFailures++;
      // The error text is Kraken's error string or a network error name: never the key.
      this.options.log('warn', 'GetWebSocketsToken failed', {
        accountId: this.options.accountId,
        error: error instanceof Error ? error.message : 'unknown',
      });
      this.retry('token refused');
      return;
    }
    if (this.stopped) return;
    this.counters.connects++;
    const ws = new WebSocket(this.options.url, { handshakeTimeout: 5_000, perMessageDeflate: false });
    this.ws = ws;
    let gone = false;
    const onGone = (reason: string) => {
      if (gone) return;
      gone = true;
      this.disconnected(ws, reason);
    };
    ws.on('open', () => {
      this.token = token;
      this.lastFrameMs = Date.now();
      this.openedMs = this.lastFrameMs;
      this.subscribed = false;
      ws.send(subscribeExecutionsRequest(token, this.nextReqId()));
      ws.send(subscribeBalancesRequest(token, this.nextReqId()));
      this.startTimers(ws);
      this.options.onConnected();
    });
    ws.on('message', (data, isBinary) => {
      if (ws !== this.ws || isBinary) return;
      const receiveMs = Date.now();
      this.lastFrameMs = receiveMs;
      this.onText(data.toString(), receiveMs);
    });
    ws.on('unexpected-response', (_req, res) => {
      ws.terminate();
      onGone(`http ${res.statusCode}`);
    });
    ws.on('error', (error) => onGone(error.message));
    ws.on('close', (code) => onGone(`close ${code}`));
  }

  private onText(text: string, receiveMs: number): void {
    let frame: PrivateFrame;
    try {
      frame = parsePrivateFrame(text);
    } catch (error) {
      this.counters.protocolErrors++;
      this.options.log('warn', 'unreadable frame from Kraken', {
        accountId: this.options.accountId,
        error: error instanceof KrakenPrivateProtocolError ? error.message : 'unknown',
      });
      return;
    }
    if (frame.kind === 'response' && frame.reqId !== null) {
      const waiting = this.pending.get(frame.reqId);
      if (waiting) {
        clearTimeout(waiting.timer);
        this.pending.delete(frame.reqId);
        waiting.resolve({ success: frame.success, error: frame.error, result: frame.result });
        return;
      }
      if (frame.method === 'subscribe' && !frame.success) {
        // A refused subscription (bad token, permissions): without it the feed is blind, so
        // start over with a new token rather than sit on a half-subscribed connection.
        this.options.log('warn', 'Kraken refused a subscription', {
          accountId: this.options.accountId,
          error: frame.error,
        });
        this.ws?.terminate();
        return;
      }
    }
    if (frame.kind === 'executions' && frame.type === 'snapshot') {
      this.attempt = 0;
      this.subscribed = true;
    }
    this.options.onFrame(frame, receiveMs);
  }

  private startTimers(ws: WebSocket): void {
    const silence = this.options.silenceTimeoutMs;
    this.watchdog = setInterval(
      () => {
        const now = Date.now();
        if (now - this.lastFrameMs > silence) {
          this.counters.silences++;
          this.options.log('warn', 'private feed silent; reconnecting', { accountId: this.options.accountId });
          ws.terminate();
        } else if (!this.subscribed && now - this.openedMs > silence) {
          // Pongs keep a socket "talking" that never got its subscription answered (a
          // request lost to a server restart, say): without this the account would sit
          // failed closed on awaiting_snapshot for good. Start over with a new token.
          this.counters.snapshotTimeouts++;
          this.options.log('warn', 'no executions snapshot in time; reconnecting', {
            accountId: this.options.accountId,
          });
          ws.terminate();
        }
      },
      Math.max(10, Math.min(1_000, Math.floor(silence / 4))),
    );
    this.pinger = setInterval(() => {
      if (ws.readyState === WebSocket.OPEN) ws.send(privatePingRequest(this.nextReqId()));
    }, this.options.pingIntervalMs);
  }

  private stopTimers(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    if (this.pinger) clearInterval(this.pinger);
    this.watchdog = undefined;
    this.pinger = undefined;
  }

  private failPending(reason: string): void {
    for (const [id, waiting] of this.pending) {
      clearTimeout(waiting.timer);
      waiting.reject(new PrivateRequestError(reason));
      this.pending.delete(id);
    }
  }

  private disconnected(ws: WebSocket, reason: string): void {
    if (ws !== this.ws) return;
    this.ws = undefined;
    this.token = undefined;
    this.stopTimers();
    this.failPending('connection lost');
    this.options.onDisconnected(reason);
    if (this.stopped) return;
    this.counters.reconnects++;
    this.retry(reason);
  }

  private retry(reason: string): void {
    if (this.stopped) return;
    const delay = fullJitterDelayMs(
      this.attempt,
      this.options.reconnectBaseMs,
      this.options.reconnectCapMs,
      this.random,
    );
    this.attempt++;
    this.options.log('warn', 'private feed reconnecting', {
      accountId: this.options.accountId,
      reason,
      delayMs: delay,
      attempt: this.attempt,
    });
    this.schedule(delay);
  }

  private schedule(delayMs: number): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, delayMs);
  }
}
