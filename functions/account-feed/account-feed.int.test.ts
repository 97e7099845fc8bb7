import { randomUUID } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKinesisClient } from '../../shared/adapters/aws-clients.js';
import { KrakenRestClient } from '../../shared/adapters/kraken-rest.js';
import { decodeAccountFeed } from '../../shared/adapters/redis/account-feed-hash.js';
import { createRedisClient, redisConfigFromUrl } from '../../shared/adapters/redis/client.js';
import { encodeMark } from '../../shared/adapters/redis/mark-hash.js';
import { encodeStoredDecision } from '../../shared/adapters/redis/order-decision.js';
import { type ExecutionRecord, executionRecordSchema, type OrderEvent } from '../../shared/domain/executions/events.js';
import { REDIS_KEYS } from '../../shared/names.js';
import { FakeKrakenVenue } from '../../test/fakes/kraken-private/venue.js';
import { type FakeKrakenPrivateServer, startFakeKrakenPrivate } from '../../test/fakes/kraken-private/ws-server.js';
import { FakeKrakenRest } from '../../test/fakes/kraken-rest/server.js';
import { createStream, deleteStream, readStream } from '../../test/kinesis-local.js';
import { redisUrl } from '../../test/local-env.js';
import { AccountFeedService, type AccountFeedSettings } from './account-feed.js';
import { KinesisExecutionSink } from './adapters/kinesis-execution-sink.js';
import { KrakenOrderHistory } from './adapters/kraken-order-history.js';
import { KrakenRestTokenSource } from './adapters/kraken-token-source.js';
import {
  RedisAccountFeedStatusStore,
  RedisDecisionLookup,
  RedisGateHealth,
  RedisUnvettedOrderAudit,
} from './adapters/redis-stores.js';
import { RISK_API_UNANSWERED, RiskApiProbe } from './adapters/risk-api-probe.js';
import type { AccountKey, UnvettedOrderReport } from './ports.js';

/**
 * The account feed against the fake Kraken's private side (REST token + authenticated WS
 * v2), kinesis-local and Redis: one service serving three accounts, as one task would.
 * acct-a: plain; acct-u: cancels unvetted orders; acct-d: dead man's switch kept armed.
 * A stand-in for the risk API answers its health route until a test makes it stop.
 */
async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const settings: AccountFeedSettings = {
  KRAKEN_WS_AUTH_URL: 'ws://placeholder',
  KEY_REFRESH_MS: 200,
  SHARD_INDEX: 0,
  SHARD_COUNT: 1,
  FEED_MAX_SILENCE_MS: 1_500,
  STATUS_INTERVAL_MS: 100,
  STATUS_TTL_MS: 3_000,
  PING_INTERVAL_MS: 300,
  RECONNECT_BASE_MS: 50,
  RECONNECT_CAP_MS: 300,
  CONNECT_ATTEMPTS_PER_10_MIN: 120,
  DEAD_MANS_SWITCH_ACCOUNTS: ['acct-d'],
  // Kraken seconds on the fake's clock are 50 ms: a 60 s countdown is 3 s here.
  DEAD_MANS_SWITCH_TIMEOUT_S: 60,
  DEAD_MANS_SWITCH_REFRESH_MS: 1_000,
  CANCEL_UNVETTED_ACCOUNTS: ['acct-u'],
  PUBLISH_MAX_DELAY_MS: 5_000,
  METRICS_INTERVAL_MS: 60_000,
};

describe('Class: AccountFeedService', () => {
  const kinesis = createKinesisClient();
  const stream = `it-acctfeed-${randomUUID().slice(0, 8)}`;
  const venue = new FakeKrakenVenue({ msPerSecond: 50 });
  const rest = new FakeKrakenRest(venue);
  const everyKey: { apiKey: string; apiSecret: string }[] = [];
  const logLines: string[] = [];
  const keys = new Map<string, AccountKey>();
  const creds = new Map<string, { apiKey: string; apiSecret: string }>();
  let ws: FakeKrakenPrivateServer;
  let redis: Redis;
  let service: AccountFeedService;
  let restClient: KrakenRestClient;

  const events = async (accountId: string): Promise<ExecutionRecord[]> =>
    (await readStream<unknown>(kinesis, stream))
      .filter((r) => r.key === accountId)
      .map((r) => executionRecordSchema.parse(r.data));
  const orderEvents = async (accountId: string, orderId: string): Promise<OrderEvent[]> =>
    (await events(accountId)).filter(
      (e): e is OrderEvent => 'kind' in e && e.kind === 'order' && e.order_id === orderId,
    );
  /** Waits (up to 20 s) for Kraken to cancel the order by the dead man's switch; its events. */
  const canceledBySwitch = (accountId: string, orderId: string): Promise<OrderEvent[]> =>
    waitFor(
      'the switch to fire',
      async () => {
        const list = await orderEvents(accountId, orderId);
        return list.some((e) => e.type === 'canceled') ? list : undefined;
      },
      20_000,
    );
  const status = async (accountId: string) => decodeAccountFeed(await redis.hgetall(REDIS_KEYS.accountFeed(accountId)));
  const accept = (accountId: string, clOrdId: string) =>
    redis.set(
      REDIS_KEYS.orderId(accountId, clOrdId),
      encodeStoredDecision({ requestHash: 'h', response: { decision: 'accept' } }),
    );
  const freshMarket = async () => {
    const now = String(Date.now());
    await redis.hset(REDIS_KEYS.feedStatus, { status: 'live', reason: 'ok', since_ms: now });
    await redis.hset(
      REDIS_KEYS.mark('BTC/USD'),
      encodeMark({
        symbol: 'BTC/USD',
        bid: '65000',
        ask: '65001',
        mid: '65000.5',
        spread_bps: '0.15',
        last: '65000',
        exchange_ts_ms: now,
        receive_ts_ms: now,
        status: 'live',
      }),
    );
  };
  /** Places an order through REST AddOrder, as a strategy would after the gate accepted it. */
  const addOrder = async (accountId: string, clOrdId: string, volume = '0.50000000', price = '65000.0') => {
    await accept(accountId, clOrdId);
    const credentials = creds.get(accountId);
    if (!credentials) throw new Error('no such account');
    const result = await restClient.privateCall<{ txid: string[] }>(
      'AddOrder',
      { pair: 'BTC/USD', type: 'buy', ordertype: 'limit', volume, price, cl_ord_id: clOrdId },
      credentials,
    );
    return result.txid[0] as string;
  };

  let marketTimer: NodeJS.Timeout;
  // The risk API's health route: answering, or holding every request without a reply.
  let riskApi: Server;
  let riskApiAnswering = true;
  const riskApiHeld: ServerResponse[] = [];
  const riskApiRequests: string[] = [];

  beforeAll(async () => {
    riskApi = createServer((req, res) => {
      riskApiRequests.push(`${req.method} ${req.url}`);
      if (!riskApiAnswering) return void riskApiHeld.push(res);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'ok', stage: 'local', checks: {} }));
    });
    await new Promise<void>((resolve) => riskApi.listen(0, '127.0.0.1', resolve));
    await rest.start();
    restClient = new KrakenRestClient(rest.url);
    ws = await startFakeKrakenPrivate(venue, { heartbeatIntervalMs: 200 });
    await createStream(kinesis, stream);
    redis = createRedisClient({ ...redisConfigFromUrl(redisUrl()), commandTimeoutMs: 2_000 });
    await redis.connect();
    await redis.flushdb();
    await freshMarket();
    marketTimer = setInterval(() => void freshMarket(), 200);

    for (const accountId of ['acct-a', 'acct-u', 'acct-d']) {
      const key = rest.addKey(0);
      everyKey.push(key);
      creds.set(accountId, key);
      keys.set(accountId, { accountId, credentials: key, fingerprint: key.apiKey });
    }
    // An order already open before the feed starts: it must arrive through the snapshot.
    await addOrder('acct-a', 'pre-1');

    const sink = new KinesisExecutionSink(kinesis, stream, 5);
    const probe = new RiskApiProbe({
      url: `http://127.0.0.1:${(riskApi.address() as AddressInfo).port}`,
      timeoutMs: 300,
      intervalMs: 500,
      signing: null,
    });
    service = new AccountFeedService(
      { ...settings, KRAKEN_WS_AUTH_URL: ws.url },
      {
        keys: { list: async () => [...keys.values()] },
        tokens: new KrakenRestTokenSource(new KrakenRestClient(rest.url)),
        orderHistory: new KrakenOrderHistory(new KrakenRestClient(rest.url)),
        sink,
        statusStore: new RedisAccountFeedStatusStore(redis),
        decisions: new RedisDecisionLookup(redis),
        audit: new RedisUnvettedOrderAudit(redis),
        health: new RedisGateHealth(redis, {
          symbols: ['BTC/USD'],
          markMaxAgeMs: 2_000,
          extraChecks: (now) => probe.reasons(now),
        }),
        log: (level, message, extra) => logLines.push(JSON.stringify({ level, message, ...extra })),
        emitMetrics: false,
      },
    );
    await service.start();
  });

  afterAll(async () => {
    clearInterval(marketTimer);
    for (const res of riskApiHeld) res.destroy();
    riskApi?.closeAllConnections();
    await new Promise((resolve) => riskApi?.close(resolve));
    await service?.stop(5_000);
    await ws?.close();
    await rest.stop();
    venue.dispose();
    await deleteStream(kinesis, stream);
    await redis?.flushdb();
    redis?.disconnect();
  });

  it('gets a signed token, subscribes, and turns the snapshot into a live account with its open order', async () => {
    // Act
    const live = await waitFor('acct-a live', async () =>
      (await status('acct-a'))?.state === 'live' ? true : undefined,
    );

    // Assess
    expect(live).toBe(true);
    const tokenCalls = rest.calls.filter((c) => c.method === 'GetWebSocketsToken');
    expect(tokenCalls.length).toBeGreaterThanOrEqual(3);
    expect(tokenCalls.every((c) => c.signatureValid)).toBe(true);
    const pre = await waitFor('snapshot acknowledgement', async () => {
      const found = (await events('acct-a')).filter(
        (e) => 'kind' in e && e.kind === 'order' && e.cl_ord_id === 'pre-1',
      );
      return found.length > 0 ? found : undefined;
    });
    expect(pre.map((e) => 'type' in e && e.type)).toEqual(['acknowledged']);
    expect(pre[0]).toMatchObject({ order_qty: '0.50000000', limit_price: '65000.0', cum_qty: '0', symbol: 'BTC/USD' });
    const balances = (await events('acct-a')).filter((e) => 'kind' in e && e.kind === 'balance');
    expect(balances.map((b) => 'asset' in b && b.asset).sort()).toEqual(['BTC', 'USD']);
  });

  it('publishes every lifecycle event exactly once, amounts as Kraken wrote them', async () => {
    // Prepare
    await waitFor('acct-a live', async () => ((await status('acct-a'))?.state === 'live' ? true : undefined));
    const filled = await addOrder('acct-a', 'life-1');
    const canceled = await addOrder('acct-a', 'life-2');
    const expired = await addOrder('acct-a', 'life-3');

    // Act
    venue.fill(filled, '0.2', '64990.5');
    venue.amend(filled, { limitPrice: '64000.0' });
    venue.fill(filled, undefined, '64000.0');
    await restClient.privateCall(
      'CancelOrder',
      { txid: canceled },
      creds.get('acct-a') as { apiKey: string; apiSecret: string },
    );
    venue.expire(expired);

    // Assess
    const lifecycle = await waitFor('the whole lifecycle', async () => {
      const list = await orderEvents('acct-a', filled);
      return list.some((e) => e.type === 'filled') ? list : undefined;
    });
    expect(lifecycle.map((e) => [e.type, e.cum_qty, e.fill?.qty ?? null])).toEqual([
      ['acknowledged', '0', null],
      ['partially_filled', '0.20000000', '0.20000000'],
      ['amended', '0.20000000', null],
      ['partially_filled', '0.50000000', '0.30000000'],
      ['filled', '0.50000000', null],
    ]);
    expect(lifecycle[1]?.fill?.price).toBe('64990.5');
    expect(lifecycle.every((e) => e.cl_ord_id === 'life-1')).toBe(true);
    const cancel = await waitFor('cancel', async () => {
      const list = await orderEvents('acct-a', canceled);
      return list.some((e) => e.type === 'canceled') ? list : undefined;
    });
    expect(cancel.map((e) => e.type)).toEqual(['acknowledged', 'canceled']);
    const expiry = await waitFor('expiry', async () => {
      const list = await orderEvents('acct-a', expired);
      return list.some((e) => e.type === 'expired') ? list : undefined;
    });
    expect(expiry.map((e) => e.type)).toEqual(['acknowledged', 'expired']);
    const all = await events('acct-a');
    const ids = all.map((e) => ('event_id' in e ? `${e.kind}:${e.event_id}` : e.fill_id));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('after a dropped connection, the new snapshot brings what happened meanwhile, and nothing twice', async () => {
    // Prepare
    const working = await addOrder('acct-a', 'recon-1');
    await waitFor('acknowledged', async () => ((await orderEvents('acct-a', working)).length > 0 ? true : undefined));
    const before = await events('acct-a');

    // Act: while the feed is away, the order fills and another is placed
    ws.stall();
    ws.dropConnections();
    venue.fill(working, undefined, '65000.0');
    const placedMeanwhile = await addOrder('acct-a', 'recon-2');
    ws.resume();

    // Assess
    const closed = await waitFor('the missed fill', async () => {
      const list = await orderEvents('acct-a', working);
      return list.some((e) => e.type === 'filled') ? list : undefined;
    });
    expect(closed.map((e) => e.type)).toEqual(['acknowledged', 'partially_filled', 'filled']);
    const appeared = await waitFor('the order placed meanwhile', async () => {
      const list = await orderEvents('acct-a', placedMeanwhile);
      return list.length > 0 ? list : undefined;
    });
    expect(appeared.map((e) => [e.type, e.cl_ord_id])).toEqual([['acknowledged', 'recon-2']]);
    const after = await events('acct-a');
    const ids = after.map((e) => ('event_id' in e ? `${e.kind}:${e.event_id}` : e.fill_id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(after.length).toBeGreaterThan(before.length);
    expect(service.connection('acct-a')?.counters.reconnects).toBeGreaterThanOrEqual(1);
  });

  it('settles from Kraken’s order history what closed while the feed was away, and leaves an order whose fill it missed working', async () => {
    // Prepare
    const credentials = creds.get('acct-a') as { apiKey: string; apiSecret: string };
    const canceled = await addOrder('acct-a', 'away-1');
    const partlyFilled = await addOrder('acct-a', 'away-2');
    const fillMissed = await addOrder('acct-a', 'away-3');
    await waitFor('acknowledged', async () => {
      const all = await events('acct-a');
      const acked = [canceled, partlyFilled, fillMissed].every((id) =>
        all.some((e) => 'kind' in e && e.kind === 'order' && e.order_id === id),
      );
      return acked ? true : undefined;
    });
    const settledBefore = service.session('acct-a')?.counters.settledFromHistory ?? 0;

    try {
      // Act: while the feed is away, one order is canceled, one partly filled then canceled,
      // and one partly filled then canceled with its trade out of the next snapshot's window
      ws.stall();
      ws.dropConnections();
      venue.fill(fillMissed, '0.1', '65000.0');
      venue.cancelOrder(credentials.apiKey, fillMissed, 'User requested');
      venue.fill(partlyFilled, '0.2', '65000.0');
      venue.cancelOrder(credentials.apiKey, partlyFilled, 'User requested');
      await restClient.privateCall('CancelOrder', { txid: canceled }, credentials);
      venue.snapshotTradeCount = 1;
      ws.resume();

      // Assess
      const closedEvents = await waitFor('both cancels settled', async () => {
        const a = await orderEvents('acct-a', canceled);
        const b = await orderEvents('acct-a', partlyFilled);
        return a.some((e) => e.type === 'canceled') && b.some((e) => e.type === 'canceled') ? { a, b } : undefined;
      });
      expect(closedEvents.a.map((e) => [e.type, e.cum_qty, e.reason])).toEqual([
        ['acknowledged', '0', undefined],
        ['canceled', '0', 'User requested'],
      ]);
      // The snapshot's trade has no cum_qty: the feed adds it up ('0.2'); Kraken's vol_exec is '0.20000000'.
      expect(closedEvents.b.map((e) => [e.type, e.cum_qty, e.reason])).toEqual([
        ['acknowledged', '0', undefined],
        ['partially_filled', '0.2', undefined],
        ['canceled', '0.2', 'User requested'],
      ]);
      const left = await waitFor('the order with a missed fill reported', () =>
        logLines.find((l) => l.includes('order closed while disconnected left working') && l.includes(fillMissed)),
      );
      expect(JSON.parse(left)).toMatchObject({ accountId: 'acct-a', clOrdId: 'away-3', outcome: 'fills_missed' });
      expect((await orderEvents('acct-a', fillMissed)).map((e) => e.type)).toEqual(['acknowledged']);
      const session = service.session('acct-a');
      expect(session?.workingOrders().has(fillMissed)).toBe(true);
      expect(session?.workingOrders().has(canceled)).toBe(false);
      expect(session?.counters.settledFromHistory).toBe(settledBefore + 2);
      expect(rest.calls.filter((c) => c.method === 'QueryOrders').every((c) => c.signatureValid)).toBe(true);
    } finally {
      venue.snapshotTradeCount = 50;
    }
  });

  it('starts over with a new token when Kraken never answers the subscription, though pings still are', async () => {
    // Prepare
    await waitFor('acct-a live', async () => ((await status('acct-a'))?.state === 'live' ? true : undefined));
    const timeoutsBefore = service.connection('acct-a')?.counters.snapshotTimeouts ?? 0;
    const tokensBefore = rest.calls.filter((c) => c.method === 'GetWebSocketsToken').length;

    // Act: the next connection's executions and balances subscriptions go unanswered
    ws.ignoreSubscriptions(creds.get('acct-a')?.apiKey as string, 2);
    ws.dropConnections();

    // Assess
    const waiting = await waitFor('acct-a awaiting its snapshot', async () => {
      const s = await status('acct-a');
      return s?.reason === 'awaiting_snapshot' ? s : undefined;
    });
    expect(waiting.state).toBe('failed_closed');
    await waitFor('acct-a live again', async () => ((await status('acct-a'))?.state === 'live' ? true : undefined));
    expect(service.connection('acct-a')?.counters.snapshotTimeouts).toBe(timeoutsBefore + 1);
    // acct-a's dropped socket, its silent one, and the other two accounts' reconnects.
    expect(rest.calls.filter((c) => c.method === 'GetWebSocketsToken').length).toBeGreaterThanOrEqual(tokensBefore + 4);
  });

  it('reports an order placed behind the gate’s back, and cancels it for an account under that policy', async () => {
    // Prepare
    await waitFor('acct-u live', async () => ((await status('acct-u'))?.state === 'live' ? true : undefined));
    await waitFor('acct-a live', async () => ((await status('acct-a'))?.state === 'live' ? true : undefined));

    // Act: orders straight to Kraken, no decision behind them
    const sneaky = venue.addOrder(creds.get('acct-u')?.apiKey as string, {
      symbol: 'BTC/USD',
      side: 'sell',
      orderQty: '1',
      limitPrice: '70000',
      clOrdId: 'never-validated',
    }).orderId;
    const reportedOnly = venue.addOrder(creds.get('acct-a')?.apiKey as string, {
      symbol: 'BTC/USD',
      side: 'buy',
      orderQty: '0.1',
      limitPrice: '60000',
    }).orderId;

    // Assess
    const audit = await waitFor('two audit records', async () => {
      const entries = await redis.xrange(REDIS_KEYS.unvettedOrders, '-', '+');
      const reports = entries.map(([, fields]) => JSON.parse(fields[1] as string) as UnvettedOrderReport);
      return reports.length >= 2 ? reports : undefined;
    });
    expect(audit.find((r) => r.orderId === sneaky)).toMatchObject({
      accountId: 'acct-u',
      reason: 'no_decision',
      action: 'cancel_requested',
    });
    expect(audit.find((r) => r.orderId === reportedOnly)).toMatchObject({
      accountId: 'acct-a',
      reason: 'no_cl_ord_id',
      action: 'reported',
    });
    const canceled = await waitFor('the unvetted order canceled', async () => {
      const list = await orderEvents('acct-u', sneaky);
      return list.some((e) => e.type === 'canceled') ? list : undefined;
    });
    expect(canceled.map((e) => e.type)).toEqual(['acknowledged', 'canceled']);
    expect(venue.order(reportedOnly)?.status).toBe('new');
    expect(audit.some((r) => r.clOrdId === 'life-1' || r.clOrdId === 'pre-1')).toBe(false);
  });

  it('keeps the dead man’s switch armed while healthy, withholds it when market data goes stale, and Kraken then cancels', async () => {
    // Prepare
    const apiKey = creds.get('acct-d')?.apiKey as string;
    await waitFor('acct-d armed', () => (venue.deadMansSwitch(apiKey).armed ? true : undefined));
    const resting = await addOrder('acct-d', 'dms-1', '0.01000000', '60000.0');
    await waitFor('acknowledged', async () => ((await orderEvents('acct-d', resting)).length > 0 ? true : undefined));
    const armedBefore = venue.deadMansRequests.filter((r) => r.apiKey === apiKey).length;
    expect(venue.deadMansRequests.filter((r) => r.apiKey !== apiKey)).toEqual([]);

    // Act: the market feed goes stale (the ingester would write this)
    clearInterval(marketTimer);
    await redis.hset(REDIS_KEYS.feedStatus, { status: 'stale', reason: 'silence' });

    // Assess
    const canceled = await canceledBySwitch('acct-d', resting);
    expect(canceled.at(-1)?.reason).toBe('Dead man switch triggered');
    expect(venue.openOrders(apiKey)).toEqual([]);
    const refreshesAfterStale = venue.deadMansRequests.filter((r) => r.apiKey === apiKey).length - armedBefore;
    expect(refreshesAfterStale).toBeLessThanOrEqual(1);
    expect(service.session('acct-d')?.counters.deadMansWithheld).toBeGreaterThan(0);
    expect(service.gateHealth().reasons).toContain('market_feed_stale');

    // And healthy again: refreshes resume
    marketTimer = setInterval(() => void freshMarket(), 200);
    await waitFor('re-armed', () => (venue.deadMansSwitch(apiKey).armed ? true : undefined));
  });

  it('withholds the dead man’s switch when the risk API stops answering, and Kraken then cancels', async () => {
    // Prepare
    const apiKey = creds.get('acct-d')?.apiKey as string;
    await waitFor('acct-d armed', () => (venue.deadMansSwitch(apiKey).armed ? true : undefined));
    await waitFor('gate healthy', () => (service.gateHealth().healthy ? true : undefined));
    const resting = await addOrder('acct-d', 'dms-api-1', '0.01000000', '60000.0');
    await waitFor('acknowledged', async () => ((await orderEvents('acct-d', resting)).length > 0 ? true : undefined));
    const withheldBefore = service.session('acct-d')?.counters.deadMansWithheld ?? 0;
    expect(riskApiRequests.length).toBeGreaterThan(0);
    expect(riskApiRequests.every((r) => r === 'GET /v1/health')).toBe(true);

    // Act: the risk API stops answering (market data stays fresh all along)
    riskApiAnswering = false;

    // Assess
    await waitFor('withheld for the risk API', () =>
      service.gateHealth().reasons.includes(RISK_API_UNANSWERED) ? true : undefined,
    );
    const armedAtWithhold = venue.deadMansRequests.filter((r) => r.apiKey === apiKey).length;
    expect(service.gateHealth().reasons).toEqual([RISK_API_UNANSWERED]);
    const canceled = await canceledBySwitch('acct-d', resting);
    expect(canceled.at(-1)?.reason).toBe('Dead man switch triggered');
    expect(venue.openOrders(apiKey)).toEqual([]);
    // At most a refresh already on the wire when the probe failed.
    expect(venue.deadMansRequests.filter((r) => r.apiKey === apiKey).length).toBeLessThanOrEqual(armedAtWithhold + 1);
    expect(service.session('acct-d')?.counters.deadMansWithheld).toBeGreaterThan(withheldBefore);

    // And answering again: refreshes resume
    riskApiAnswering = true;
    await waitFor('re-armed', () => (venue.deadMansSwitch(apiKey).armed ? true : undefined));
  });

  it('fails the account closed in Redis when its private feed goes silent, and back live after', async () => {
    // Prepare
    await waitFor('acct-a live', async () => ((await status('acct-a'))?.state === 'live' ? true : undefined));

    // Act
    ws.stall();
    const failed = await waitFor('failed closed', async () => {
      const s = await status('acct-a');
      return s?.state === 'failed_closed' ? s : undefined;
    });
    ws.resume();

    // Assess
    expect(['silent', 'not_connected', 'awaiting_snapshot']).toContain(failed.reason);
    expect(await redis.pttl(REDIS_KEYS.accountFeed('acct-a'))).toBeGreaterThan(0);
    await waitFor('live again', async () => ((await status('acct-a'))?.state === 'live' ? true : undefined));
  });

  it('picks up a rotated key without a restart, and fails the account closed when its key is removed', async () => {
    // Prepare
    const rotated = rest.addKey(0);
    everyKey.push(rotated);
    const oldTokens = ws.stats.tokensUsed.length;

    // Act: the account's key is replaced (the venue sees a new key: a new account on the fake)
    creds.set('acct-a', rotated);
    keys.set('acct-a', { accountId: 'acct-a', credentials: rotated, fingerprint: rotated.apiKey });

    // Assess
    await waitFor('the new key in use', () => (ws.subscribers(rotated.apiKey) > 0 ? true : undefined));
    expect(ws.stats.tokensUsed.length).toBeGreaterThan(oldTokens);
    await waitFor('live with the new key', async () => ((await status('acct-a'))?.state === 'live' ? true : undefined));

    // acct-u went silent with the others in the test above: removing its key before it is live
    // again would find it failed closed for that reason, not for the missing key.
    await waitFor('acct-u live', async () => ((await status('acct-u'))?.state === 'live' ? true : undefined));
    keys.delete('acct-u');
    const gone = await waitFor('acct-u failed closed', async () => {
      const s = await status('acct-u');
      return s?.state === 'failed_closed' ? s : undefined;
    });
    expect(gone.reason).toBe('no_key');
    expect(service.accounts().sort()).toEqual(['acct-a', 'acct-d']);
  });

  it('never writes a Kraken key or secret to a log line', () => {
    const text = logLines.join('\n');
    expect(logLines.length).toBeGreaterThan(0);
    for (const { apiKey, apiSecret } of everyKey) {
      expect(text).not.toContain(apiKey);
      expect(text).not.toContain(apiSecret);
    }
  });
});
