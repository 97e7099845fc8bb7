import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';
import { type WebSocket, WebSocketServer } from 'ws';
import { seededRandom } from '../../../shared/runtime/seeded-random.js';
import { FAKE_PAIRS, type FakePair, MarketSim, type SimTrade } from './market-sim.js';

/**
 * A loopback stand-in for Kraken's public WebSocket v2 API (wss://ws.kraken.com/v2), for
 * tests, local mode and benchmarks. It speaks the real protocol: `status` on connect,
 * `subscribe`/`unsubscribe` acks and errors per symbol with the caller's `req_id`,
 * `instrument` snapshots with Kraken's precisions, `book` snapshots and updates with correct
 * CRC32 checksums at the subscribed depth (no deletes for levels pushed out of range, as
 * Kraken does), `trade`, `ticker`, `heartbeat` and app-level `ping`/`pong`. Numbers go on
 * the wire as JSON numbers at full precision (`"qty":0.10000000`), exactly like Kraken.
 *
 * The market is a seeded random walk, so a seed reproduces a session. Faults are injected
 * through {@link FakeKrakenServer.faults}.
 *
 * The checksum is computed independently of the code under test: a level's checksum text is
 * simply its integer price ticks followed by its integer quantity lots, hashed with
 * node:zlib's crc32.
 */
export interface FakeKrakenOptions {
  /** PRNG seed of the market walk. @default 42 */
  readonly seed?: number;
  /** @default 0 (any free port) */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** Pairs listed by the fake (others are refused like an unknown pair). @default all FAKE_PAIRS */
  readonly symbols?: readonly string[];
  /** Market steps per second per pair (each step is one book, trade or ticker frame). @default 20 */
  readonly updatesPerSecond?: number;
  /** @default 1000 */
  readonly heartbeatIntervalMs?: number;
  /** Called for every book frame sent, with whether it moved the top of book (benchmarks). */
  readonly onBookFrame?: (info: BookFrameInfo) => void;
}

export interface BookFrameInfo {
  readonly symbol: string;
  readonly timestamp: string;
  readonly checksum: number;
  readonly topChanged: boolean;
  readonly sentAt: number;
}

export interface FakeKrakenStats {
  /** Epoch ms of every WebSocket upgrade attempt, refused ones included. */
  readonly connectionAttempts: number[];
  subscribeRequests: number;
  unsubscribeRequests: number;
  bookFrames: number;
  framesSent: number;
  pings: number;
}

export interface FakeKrakenFaults {
  /** Closes every connection abruptly (TCP reset, no close frame). */
  dropConnections(): void;
  /** The next book frame of `symbol` (any symbol when omitted) carries a wrong checksum. */
  corruptNextChecksum(symbol?: string): void;
  /** Stops sending anything (data, heartbeats, replies) while keeping sockets open. */
  stall(): void;
  resume(): void;
  /** Pushes `status` maintenance (book/trade/ticker stop) or back to online. */
  setMaintenance(on: boolean): void;
  /** Refuses the next `times` subscribe requests for `symbol` (on `channel`, any when omitted). */
  refuseSubscription(symbol: string, times: number, channel?: string): void;
  /** Refuses the next `times` WebSocket upgrades with HTTP 503. */
  refuseConnections(times: number): void;
}

export interface FakeKrakenServer {
  readonly url: string;
  readonly port: number;
  readonly stats: FakeKrakenStats;
  readonly faults: FakeKrakenFaults;
  /** Number of open client connections. */
  connections(): number;
  /**
   * Changes a listed pair's Kraken status (online, cancel_only, maintenance, delisted,
   * work_in_progress, post_only, limit_only, reduce_only) and pushes an `instrument` update
   * with the whole pair to every instrument subscriber, as Kraken does. Book, trade and
   * ticker frames keep flowing: a pair's status says what orders Kraken takes, not whether
   * its market data moves.
   */
  setPairStatus(symbol: string, status: string): void;
  /** The market's best `depth` levels of a pair as Kraken text, best first (assertions). */
  marketTop(symbol: string, depth: number): { bids: [string, string][]; asks: [string, string][] };
  close(): Promise<void>;
}

interface BookView {
  depth: number;
  bids: Map<number, number>;
  asks: Map<number, number>;
}

interface Session {
  readonly ws: WebSocket;
  instrument: boolean;
  readonly books: Map<string, BookView>;
  readonly tickers: Set<string>;
  readonly trades: Set<string>;
}

const VALID_DEPTHS = new Set([10, 25, 100, 500, 1000]);
const CHANNELS = new Set(['instrument', 'book', 'ticker', 'trade']);

export async function startFakeKrakenServer(options: FakeKrakenOptions = {}): Promise<FakeKrakenServer> {
  const random = seededRandom(options.seed ?? 42);
  const listed = (options.symbols ?? Object.keys(FAKE_PAIRS)).map((symbol) => pairFor(symbol));
  const sims = new Map(listed.map((pair) => [pair.symbol, new MarketSim(pair, random)]));
  const sessions = new Set<Session>();
  const pairStatus = new Map(listed.map((pair) => [pair.symbol, 'online']));
  const stats: FakeKrakenStats = {
    connectionAttempts: [],
    subscribeRequests: 0,
    unsubscribeRequests: 0,
    bookFrames: 0,
    framesSent: 0,
    pings: 0,
  };
  let stalled = false;
  let maintenance = false;
  let refuseUpgrades = 0;
  const corrupt = new Set<string>();
  const refusals: { symbol: string; channel?: string; times: number }[] = [];
  let clock = Date.now() * 1000; // microseconds, strictly increasing per frame

  const wss = new WebSocketServer({
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    path: '/v2',
    verifyClient: (_info, done) => {
      stats.connectionAttempts.push(Date.now());
      if (refuseUpgrades > 0) {
        refuseUpgrades--;
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

  const nowIso = (): string => {
    clock = Math.max(clock + 1, Date.now() * 1000);
    const ms = Math.floor(clock / 1000);
    return `${new Date(ms).toISOString().slice(0, 23)}${String(clock % 1000).padStart(3, '0')}Z`;
  };

  const send = (session: Session, text: string): boolean => {
    if (stalled || session.ws.readyState !== session.ws.OPEN) return false;
    session.ws.send(text);
    stats.framesSent++;
    return true;
  };

  wss.on('connection', (ws) => {
    const session: Session = { ws, instrument: false, books: new Map(), tickers: new Set(), trades: new Set() };
    sessions.add(session);
    ws.on('close', () => sessions.delete(session));
    ws.on('error', () => sessions.delete(session));
    ws.on('message', (data) => {
      if (stalled) return;
      handleRequest(session, data.toString());
    });
    const connectionId = (BigInt(Math.floor(random() * 2 ** 32)) << 32n) | BigInt(Math.floor(random() * 2 ** 32));
    send(
      session,
      `{"channel":"status","data":[{"api_version":"v2","connection_id":${connectionId},"system":"${
        maintenance ? 'maintenance' : 'online'
      }","version":"2.0.10"}],"type":"update"}`,
    );
  });

  function handleRequest(session: Session, text: string): void {
    const timeIn = new Date().toISOString();
    let req: { method?: unknown; params?: Record<string, unknown>; req_id?: unknown };
    try {
      req = JSON.parse(text) as typeof req;
    } catch {
      send(session, JSON.stringify({ error: 'Malformed request', method: 'error', success: false, time_in: timeIn }));
      return;
    }
    const reqId = typeof req.req_id === 'number' ? req.req_id : undefined;
    const reply = (body: Record<string, unknown>) =>
      send(session, JSON.stringify({ ...body, time_in: timeIn, time_out: new Date().toISOString(), req_id: reqId }));

    if (req.method === 'ping') {
      stats.pings++;
      reply({ method: 'pong' });
      return;
    }
    if (req.method !== 'subscribe' && req.method !== 'unsubscribe') {
      reply({ error: 'Method not found', method: req.method ?? 'error', success: false });
      return;
    }
    const method = req.method;
    const params = req.params ?? {};
    const channel = String(params.channel ?? '');
    if (!CHANNELS.has(channel)) {
      reply({ error: `Channel ${channel} not supported`, method, success: false });
      return;
    }
    if (method === 'subscribe') stats.subscribeRequests++;
    else stats.unsubscribeRequests++;

    if (channel === 'instrument') {
      if (method === 'unsubscribe') {
        session.instrument = false;
        reply({ method, result: { channel }, success: true });
        return;
      }
      session.instrument = true;
      reply({ method, result: { channel, snapshot: true }, success: true });
      send(session, instrumentSnapshot());
      return;
    }

    const symbols = Array.isArray(params.symbol) ? params.symbol.map(String) : [];
    if (symbols.length === 0) {
      reply({ error: 'Missing symbol', method, success: false });
      return;
    }
    const depth = params.depth === undefined ? 10 : Number(params.depth);
    if (channel === 'book' && !VALID_DEPTHS.has(depth)) {
      reply({ error: `Invalid depth ${String(params.depth)}`, method, success: false });
      return;
    }
    for (const symbol of symbols) {
      const sim = sims.get(symbol);
      const refusal = refusals.find((r) => r.symbol === symbol && (!r.channel || r.channel === channel));
      if (method === 'subscribe' && refusal && refusal.times > 0) {
        refusal.times--;
        reply({ error: `Subscription refused ${symbol}`, method, success: false, symbol });
        continue;
      }
      if (!sim) {
        reply({ error: `Currency pair not supported ${symbol}`, method, success: false, symbol });
        continue;
      }
      const registry = channel === 'book' ? session.books : channel === 'ticker' ? session.tickers : session.trades;
      const subscribed = registry.has(symbol);
      if (method === 'unsubscribe') {
        if (!subscribed) {
          reply({ error: 'Subscription Not Found', method, success: false, symbol });
          continue;
        }
        registry.delete(symbol);
        reply({ method, result: { channel, symbol, ...(channel === 'book' ? { depth } : {}) }, success: true });
        continue;
      }
      if (subscribed) {
        reply({ error: 'Already subscribed', method, success: false, symbol });
        continue;
      }
      if (channel === 'book') {
        const view: BookView = { depth, bids: new Map(), asks: new Map() };
        session.books.set(symbol, view);
        reply({ method, result: { channel, depth, snapshot: true, symbol }, success: true });
        sendBookSnapshot(session, sim, view);
      } else if (channel === 'ticker') {
        session.tickers.add(symbol);
        reply({ method, result: { channel, event_trigger: 'trades', snapshot: true, symbol }, success: true });
        send(session, tickerFrame(sim, 'snapshot'));
      } else {
        session.trades.add(symbol);
        reply({ method, result: { channel, snapshot: params.snapshot !== false, symbol }, success: true });
      }
    }
  }

  function pairJson(p: FakePair): string {
    const qtyIncrement = formatUnits(1, p.qtyPrecision);
    const priceIncrement = formatUnits(1, p.pricePrecision);
    const status = maintenance ? 'maintenance' : (pairStatus.get(p.symbol) ?? 'online');
    return (
      `{"symbol":"${p.symbol}","base":"${p.base}","quote":"USD","status":"${status}",` +
      `"qty_precision":${p.qtyPrecision},"qty_increment":${qtyIncrement},"price_precision":${p.pricePrecision},` +
      `"cost_precision":5,"marginable":false,"has_index":true,"cost_min":0.5,"tick_size":${priceIncrement},` +
      `"price_increment":${priceIncrement},"qty_min":0.0001}`
    );
  }

  function instrumentSnapshot(): string {
    const pairs = listed.map((p) => pairJson(p));
    const assets = [...new Set(listed.map((p) => p.base)), 'USD'].map(
      (id) =>
        `{"id":"${id}","status":"enabled","precision":10,"precision_display":5,"borrowable":false,"collateral_value":0.0,"margin_rate":0.0}`,
    );
    return `{"channel":"instrument","type":"snapshot","data":{"assets":[${assets.join(',')}],"pairs":[${pairs.join(',')}]}}`;
  }

  function levelsJson(pair: FakePair, levels: [number, number][]): string {
    return levels
      .map(
        ([ticks, lots]) =>
          `{"price":${formatUnits(ticks, pair.pricePrecision)},"qty":${formatUnits(lots, pair.qtyPrecision)}}`,
      )
      .join(',');
  }

  function checksumOf(view: BookView): number {
    const asks = [...view.asks.entries()].sort((a, b) => a[0] - b[0]).slice(0, 10);
    const bids = [...view.bids.entries()].sort((a, b) => b[0] - a[0]).slice(0, 10);
    let text = '';
    for (const [ticks, lots] of asks) text += `${ticks}${lots}`;
    for (const [ticks, lots] of bids) text += `${ticks}${lots}`;
    return crc32(text);
  }

  function takeChecksum(symbol: string, view: BookView): number {
    const sum = checksumOf(view);
    if (corrupt.has(symbol) || corrupt.has('*')) {
      corrupt.delete(symbol);
      corrupt.delete('*');
      return (sum ^ 0x5a5a5a5a) >>> 0;
    }
    return sum;
  }

  function sendBookSnapshot(session: Session, sim: MarketSim, view: BookView): void {
    const bids = sim.top('bids', view.depth);
    const asks = sim.top('asks', view.depth);
    view.bids = new Map(bids);
    view.asks = new Map(asks);
    const timestamp = nowIso();
    const checksum = takeChecksum(sim.pair.symbol, view);
    const frame =
      `{"channel":"book","type":"snapshot","data":[{"symbol":"${sim.pair.symbol}","bids":[${levelsJson(sim.pair, bids)}],` +
      `"asks":[${levelsJson(sim.pair, asks)}],"checksum":${checksum},"timestamp":"${timestamp}"}]}`;
    const sentAt = performance.now();
    if (send(session, frame)) {
      stats.bookFrames++;
      options.onBookFrame?.({ symbol: sim.pair.symbol, timestamp, checksum, topChanged: true, sentAt });
    }
  }

  /** Sends each book subscriber the difference between its view and the market, Kraken style. */
  function publishBook(sim: MarketSim): void {
    const topBySide = new Map<string, [number, number][]>();
    for (const session of sessions) {
      const view = session.books.get(sim.pair.symbol);
      if (!view) continue;
      const changes: Record<'bids' | 'asks', [number, number][]> = { bids: [], asks: [] };
      let topChanged = false;
      for (const side of ['bids', 'asks'] as const) {
        const key = `${side}:${view.depth}`;
        let top = topBySide.get(key);
        if (!top) {
          top = sim.top(side, view.depth);
          topBySide.set(key, top);
        }
        const next = new Map(top);
        const current = view[side];
        // Levels gone from the market: explicit delete. Levels merely pushed out of the
        // subscribed depth: nothing (the client truncates), as Kraken does.
        for (const ticks of current.keys()) {
          if (!next.has(ticks) && !sim[side].has(ticks)) changes[side].push([ticks, 0]);
        }
        for (const [ticks, lots] of next) if (current.get(ticks) !== lots) changes[side].push([ticks, lots]);
        const bestBefore = bestOf(current, side);
        view[side] = next;
        const bestAfter = top[0];
        if (bestBefore?.[0] !== bestAfter?.[0] || bestBefore?.[1] !== bestAfter?.[1]) topChanged = true;
      }
      if (changes.bids.length === 0 && changes.asks.length === 0) continue;
      const timestamp = nowIso();
      const checksum = takeChecksum(sim.pair.symbol, view);
      const frame =
        `{"channel":"book","type":"update","data":[{"symbol":"${sim.pair.symbol}","bids":[${levelsJson(sim.pair, changes.bids)}],` +
        `"asks":[${levelsJson(sim.pair, changes.asks)}],"checksum":${checksum},"timestamp":"${timestamp}"}]}`;
      const sentAt = performance.now();
      if (send(session, frame)) {
        stats.bookFrames++;
        options.onBookFrame?.({ symbol: sim.pair.symbol, timestamp, checksum, topChanged, sentAt });
      }
    }
  }

  function tickerFrame(sim: MarketSim, type: 'snapshot' | 'update'): string {
    const p = sim.pair;
    const [bid, bidLots] = sim.top('bids', 1)[0] ?? [0, 0];
    const [ask, askLots] = sim.top('asks', 1)[0] ?? [0, 0];
    const last = formatUnits(sim.lastTicks, p.pricePrecision);
    return (
      `{"channel":"ticker","type":"${type}","data":[{"symbol":"${p.symbol}","bid":${formatUnits(bid, p.pricePrecision)},` +
      `"bid_qty":${formatUnits(bidLots, p.qtyPrecision)},"ask":${formatUnits(ask, p.pricePrecision)},` +
      `"ask_qty":${formatUnits(askLots, p.qtyPrecision)},"last":${last},"volume":${formatUnits(sim.volumeLots, p.qtyPrecision)},` +
      `"vwap":${last},"low":${formatUnits(Math.min(bid, sim.pair.startTicks), p.pricePrecision)},` +
      `"high":${formatUnits(Math.max(ask, sim.pair.startTicks), p.pricePrecision)},"change":0.0,"change_pct":0.00,` +
      `"timestamp":"${nowIso()}"}]}`
    );
  }

  function publishTrade(sim: MarketSim, trade: SimTrade): void {
    const p = sim.pair;
    const tradeText =
      `{"channel":"trade","type":"update","data":[{"symbol":"${p.symbol}","side":"${trade.side}",` +
      `"price":${formatUnits(trade.ticks, p.pricePrecision)},"qty":${formatUnits(trade.lots, p.qtyPrecision)},` +
      `"ord_type":"market","trade_id":${trade.tradeId},"timestamp":"${nowIso()}"}]}`;
    for (const session of sessions) {
      if (session.trades.has(p.symbol)) send(session, tradeText);
      if (session.tickers.has(p.symbol)) send(session, tickerFrame(sim, 'update'));
    }
  }

  // Market clock: steps are due at `updatesPerSecond`; a coarse timer runs the ones due.
  const perSecond = options.updatesPerSecond ?? 20;
  const started = performance.now();
  let stepsDone = 0;
  const sims_ = [...sims.values()];
  const marketTimer = setInterval(
    () => {
      const due = Math.floor(((performance.now() - started) / 1000) * perSecond) - stepsDone;
      for (let i = 0; i < due; i++) {
        stepsDone++;
        if (maintenance || stalled) continue;
        for (const sim of sims_) {
          const trade = sim.step();
          if (trade) publishTrade(sim, trade);
          publishBook(sim);
        }
      }
    },
    Math.max(1, Math.min(50, Math.floor(1000 / perSecond))),
  );
  const heartbeatTimer = setInterval(() => {
    for (const session of sessions) send(session, '{"channel":"heartbeat"}');
  }, options.heartbeatIntervalMs ?? 1000);

  const broadcastStatus = (system: string) => {
    for (const session of sessions) {
      send(
        session,
        `{"channel":"status","data":[{"api_version":"v2","connection_id":1,"system":"${system}","version":"2.0.10"}],"type":"update"}`,
      );
    }
  };

  const faults: FakeKrakenFaults = {
    dropConnections: () => {
      for (const session of sessions) session.ws.terminate();
    },
    corruptNextChecksum: (symbol) => {
      corrupt.add(symbol ?? '*');
    },
    stall: () => {
      stalled = true;
    },
    resume: () => {
      stalled = false;
    },
    setMaintenance: (on) => {
      maintenance = on;
      broadcastStatus(on ? 'maintenance' : 'online');
    },
    refuseSubscription: (symbol, times, channel) => {
      refusals.push({ symbol, times, channel });
    },
    refuseConnections: (times) => {
      refuseUpgrades = times;
    },
  };

  return {
    url: `ws://${options.host ?? '127.0.0.1'}:${port}/v2`,
    port,
    stats,
    faults,
    connections: () => sessions.size,
    setPairStatus: (symbol, status) => {
      const pair = listed.find((p) => p.symbol === symbol);
      if (!pair) throw new Error(`the fake does not list ${symbol}`);
      pairStatus.set(symbol, status);
      const update = `{"channel":"instrument","type":"update","data":{"assets":[],"pairs":[${pairJson(pair)}]}}`;
      for (const session of sessions) if (session.instrument) send(session, update);
    },
    marketTop: (symbol, depth) => {
      const sim = sims.get(symbol);
      if (!sim) throw new Error(`the fake does not list ${symbol}`);
      const text = (levels: [number, number][]): [string, string][] =>
        levels.map(([ticks, lots]) => [
          formatUnits(ticks, sim.pair.pricePrecision),
          formatUnits(lots, sim.pair.qtyPrecision),
        ]);
      return { bids: text(sim.top('bids', depth)), asks: text(sim.top('asks', depth)) };
    },
    close: async () => {
      clearInterval(marketTimer);
      clearInterval(heartbeatTimer);
      for (const session of sessions) session.ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

function pairFor(symbol: string): FakePair {
  const known = FAKE_PAIRS[symbol];
  if (known) return known;
  const base = symbol.split('/')[0] ?? symbol;
  return { symbol, base, pricePrecision: 4, qtyPrecision: 8, startTicks: 100_000 };
}

function bestOf(side: Map<number, number>, which: 'bids' | 'asks'): [number, number] | undefined {
  let best: [number, number] | undefined;
  for (const [ticks, lots] of side) {
    if (!best || (which === 'bids' ? ticks > best[0] : ticks < best[0])) best = [ticks, lots];
  }
  return best;
}

/** Kraken-style number text: integer units at `decimals` places, trailing zeros kept. */
export function formatUnits(units: number, decimals: number): string {
  const digits = String(units).padStart(decimals + 1, '0');
  return decimals === 0 ? digits : `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
}
