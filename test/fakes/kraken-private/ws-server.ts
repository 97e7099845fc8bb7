import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { type FakeKrakenVenue, type WireObject, wireJson } from './venue.js';

/**
 * A loopback stand-in for Kraken's authenticated WebSocket v2 (wss://ws-auth.kraken.com/v2)
 * over a {@link FakeKrakenVenue}. It speaks the documented protocol: `status` on connect;
 * `subscribe` to `executions` (options snap_orders, snap_trades, order_status) and
 * `balances` with a `token` from GetWebSocketsToken, acknowledged with the caller's req_id,
 * then a snapshot and live updates with a per-channel `sequence`; `cancel_order` and
 * `cancel_all_orders_after` (the dead man's switch, on the venue's clock); `ping`/`pong`;
 * `heartbeat` about once a second once subscribed. A bad token is refused like Kraken does.
 *
 * Faults: drop every connection (TCP reset), stall (keep sockets open, send nothing), and
 * refuse upgrades.
 */
export interface FakeKrakenPrivateOptions {
  /** @default 1000 */
  readonly heartbeatIntervalMs?: number;
  /** @default 0 */
  readonly port?: number;
}

export interface FakeKrakenPrivateStats {
  readonly connectionAttempts: number[];
  subscribeRequests: number;
  cancelOrderRequests: number;
  /** Tokens presented on subscribe (to prove a rotated key's new token was used). */
  readonly tokensUsed: string[];
}

export interface FakeKrakenPrivateServer {
  readonly url: string;
  readonly stats: FakeKrakenPrivateStats;
  connections(): number;
  /** Open connections subscribed to `executions` for the key. */
  subscribers(apiKey: string): number;
  dropConnections(): void;
  stall(): void;
  resume(): void;
  refuseConnections(times: number): void;
  /** The key's next `times` subscribe requests get no answer at all (pings still do). */
  ignoreSubscriptions(apiKey: string, times: number): void;
  close(): Promise<void>;
}

interface Session {
  readonly ws: WebSocket;
  apiKey?: string;
  executions: boolean;
  balances: boolean;
  executionsSequence: number;
  balancesSequence: number;
}

export async function startFakeKrakenPrivate(
  venue: FakeKrakenVenue,
  options: FakeKrakenPrivateOptions = {},
): Promise<FakeKrakenPrivateServer> {
  const sessions = new Set<Session>();
  const stats: FakeKrakenPrivateStats = {
    connectionAttempts: [],
    subscribeRequests: 0,
    cancelOrderRequests: 0,
    tokensUsed: [],
  };
  let stalled = false;
  let refuse = 0;
  const ignoreSubscribes = new Map<string, number>();

  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: options.port ?? 0,
    path: '/v2',
    verifyClient: (_info, done) => {
      stats.connectionAttempts.push(Date.now());
      if (refuse > 0) {
        refuse--;
        done(false, 503, 'Service Unavailable');
        return;
      }
      done(true);
    },
  });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  const port = (wss.address() as AddressInfo).port;

  const send = (session: Session, text: string): void => {
    if (stalled || session.ws.readyState !== session.ws.OPEN) return;
    session.ws.send(text);
  };

  const onExecution = (apiKey: string, entry: WireObject) => {
    for (const session of sessions) {
      if (session.apiKey !== apiKey || !session.executions) continue;
      session.executionsSequence++;
      send(
        session,
        wireJson({ channel: 'executions', type: 'update', data: [entry], sequence: session.executionsSequence }),
      );
    }
  };
  const onBalance = (apiKey: string, entry: WireObject) => {
    for (const session of sessions) {
      if (session.apiKey !== apiKey || !session.balances) continue;
      session.balancesSequence++;
      send(
        session,
        wireJson({ channel: 'balances', type: 'update', data: [entry], sequence: session.balancesSequence }),
      );
    }
  };
  venue.on('execution', onExecution);
  venue.on('balance', onBalance);

  const heartbeat = setInterval(() => {
    for (const session of sessions)
      if (session.executions || session.balances) send(session, '{"channel":"heartbeat"}');
  }, options.heartbeatIntervalMs ?? 1_000);
  heartbeat.unref();

  wss.on('connection', (ws) => {
    const session: Session = { ws, executions: false, balances: false, executionsSequence: 0, balancesSequence: 0 };
    sessions.add(session);
    ws.on('close', () => sessions.delete(session));
    ws.on('error', () => sessions.delete(session));
    ws.on('message', (data) => {
      if (!stalled) handle(session, data.toString());
    });
    send(
      session,
      '{"channel":"status","data":[{"api_version":"v2","connection_id":12393906104898154338,"system":"online","version":"2.0.10"}],"type":"update"}',
    );
  });

  function handle(session: Session, text: string): void {
    const timeIn = new Date().toISOString();
    let req: { method?: unknown; params?: Record<string, unknown>; req_id?: unknown };
    try {
      req = JSON.parse(text) as typeof req;
    } catch {
      send(session, JSON.stringify({ error: 'Malformed request', method: 'error', success: false, time_in: timeIn }));
      return;
    }
    const reqId = typeof req.req_id === 'number' ? req.req_id : undefined;
    const method = typeof req.method === 'string' ? req.method : 'error';
    const reply = (body: Record<string, unknown>) =>
      send(
        session,
        wireJson({ method, ...body, time_in: timeIn, time_out: new Date().toISOString(), req_id: reqId } as WireObject),
      );
    if (method === 'ping') {
      reply({ method: 'pong' });
      return;
    }
    const params = req.params ?? {};
    const token = typeof params.token === 'string' ? params.token : '';
    const apiKey = venue.keyOfToken(token);
    if (method === 'subscribe') stats.subscribeRequests++;
    if (!apiKey) {
      reply({ error: 'EAccount:Invalid token', success: false });
      return;
    }
    const ignore = method === 'subscribe' ? (ignoreSubscribes.get(apiKey) ?? 0) : 0;
    if (ignore > 0) {
      ignoreSubscribes.set(apiKey, ignore - 1);
      return;
    }
    stats.tokensUsed.push(token);
    session.apiKey = apiKey;
    switch (method) {
      case 'subscribe': {
        const channel = String(params.channel ?? '');
        if (channel === 'executions') {
          reply({
            result: { channel, maxratecount: 180, snapshot: true, snap_orders: true, snap_trades: true },
            success: true,
          });
          session.executions = true;
          session.executionsSequence = 1;
          send(
            session,
            wireJson({
              channel: 'executions',
              type: 'snapshot',
              data: venue.executionsSnapshot(apiKey, {
                snapOrders: params.snap_orders !== false,
                snapTrades: params.snap_trades === true,
              }),
              sequence: 1,
            }),
          );
        } else if (channel === 'balances') {
          reply({ result: { channel, snapshot: true }, success: true });
          session.balances = true;
          session.balancesSequence = 1;
          send(
            session,
            wireJson({ channel: 'balances', type: 'snapshot', data: venue.balancesSnapshot(apiKey), sequence: 1 }),
          );
        } else {
          reply({ error: `Channel ${channel} not supported`, success: false });
        }
        return;
      }
      case 'cancel_all_orders_after': {
        const timeout = Number(params.timeout);
        if (!Number.isInteger(timeout) || timeout < 0 || timeout > 86_400) {
          reply({ error: 'EGeneral:Invalid arguments:timeout', success: false });
          return;
        }
        reply({ result: venue.cancelAllOrdersAfter(apiKey, timeout), success: true });
        return;
      }
      case 'cancel_order': {
        stats.cancelOrderRequests++;
        const ids = Array.isArray(params.order_id) ? params.order_id.map(String) : [];
        for (const id of ids) {
          if (venue.cancelOrder(apiKey, id)) reply({ result: { order_id: id }, success: true });
          else reply({ error: 'EOrder:Unknown order', success: false });
        }
        return;
      }
      default:
        reply({ error: 'Method not found', success: false });
    }
  }

  return {
    url: `ws://127.0.0.1:${port}/v2`,
    stats,
    connections: () => sessions.size,
    subscribers: (apiKey) => [...sessions].filter((s) => s.apiKey === apiKey && s.executions).length,
    dropConnections: () => {
      for (const session of sessions) session.ws.terminate();
    },
    stall: () => {
      stalled = true;
    },
    resume: () => {
      stalled = false;
    },
    refuseConnections: (times) => {
      refuse = times;
    },
    ignoreSubscriptions: (apiKey, times) => {
      ignoreSubscribes.set(apiKey, times);
    },
    close: async () => {
      clearInterval(heartbeat);
      venue.off('execution', onExecution);
      venue.off('balance', onBalance);
      for (const session of sessions) session.ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
