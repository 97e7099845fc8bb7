import { afterEach, describe, expect, it } from 'vitest';
import { type FakeKrakenServer, startFakeKrakenServer } from '../../test/fakes/kraken-ws/server.js';
import { KrakenFeedClient, type KrakenFeedOptions } from './kraken-client.js';
import { IngestPipeline, VERIFY_INTERVAL_MS } from './pipeline.js';
import { MemoryEventSink, MemoryMarkStore, waitFor } from './test-support/doubles.js';

const SYMBOLS = ['BTC/USD', 'ETH/USD'];

interface Rig {
  fake: FakeKrakenServer;
  client: KrakenFeedClient;
  pipeline: IngestPipeline;
  sink: MemoryEventSink;
  marks: MemoryMarkStore;
}

let rig: Rig | undefined;

async function startRig(
  options: Partial<KrakenFeedOptions> = {},
  fakeOptions: Parameters<typeof startFakeKrakenServer>[0] = {},
): Promise<Rig> {
  const fake = await startFakeKrakenServer({ seed: 7, symbols: SYMBOLS, updatesPerSecond: 100, ...fakeOptions });
  const sink = new MemoryEventSink();
  const marks = new MemoryMarkStore();
  const pipeline = new IngestPipeline({ symbols: SYMBOLS, depth: 10, sink, marks });
  const client = new KrakenFeedClient({
    url: fake.url,
    symbols: SYMBOLS,
    depth: 10,
    pipeline,
    silenceTimeoutMs: 2_000,
    reconnectBaseMs: 100,
    reconnectCapMs: 2_000,
    subscriptionRetryMs: 50,
    random: () => 0.999,
    ...options,
  });
  client.start();
  rig = { fake, client, pipeline, sink, marks };
  return rig;
}

afterEach(async () => {
  await rig?.client.stop();
  await rig?.fake.close();
  rig = undefined;
});

const live = (r: Rig) => () => r.client.snapshot().subscribed && r.pipeline.allLive();

/** Stops the market, lets in-flight frames land. */
async function quiesce(r: Rig): Promise<void> {
  r.fake.faults.stall();
  await new Promise((resolve) => setTimeout(resolve, 100));
}

describe('Class: KrakenFeedClient (against the fake Kraken)', () => {
  it('subscribes to instrument first, then book/ticker/trade, and verifies the checksum of every book message', async () => {
    const r = await startRig();
    await waitFor(live(r), 'all books live');
    await waitFor(() => r.fake.stats.bookFrames > 100, '100 book frames');
    await quiesce(r);

    const counters = r.pipeline.books.counters;
    expect(counters.checksumFailed).toBe(0);
    expect(counters.checksumOk).toBe(r.fake.stats.bookFrames);
    expect(counters.snapshots).toBe(SYMBOLS.length);
    for (const symbol of SYMBOLS) {
      const book = r.pipeline.books.book(symbol)!;
      const market = r.fake.marketTop(symbol, 10);
      expect(book.bids.map((l) => [l.price, l.qty])).toEqual(market.bids);
      expect(book.asks.map((l) => [l.price, l.qty])).toEqual(market.asks);
    }
    expect(r.sink.events.some((e) => e.type === 'top_of_book')).toBe(true);
    expect(r.sink.events.some((e) => e.type === 'trade')).toBe(true);
    expect(r.sink.events.some((e) => e.type === 'ticker')).toBe(true);
    expect(r.sink.events.every((e) => SYMBOLS.includes(e.symbol))).toBe(true);
  });

  it('resubscribes after a corrupted checksum and rebuilds a correct book from the new snapshot', async () => {
    const r = await startRig();
    await waitFor(live(r), 'all books live');
    r.fake.faults.corruptNextChecksum('BTC/USD');
    await waitFor(() => r.client.counters.checksumResyncs === 1, 'a resync');
    expect(r.marks.staleHistory).toEqual(['BTC/USD']);
    await waitFor(live(r), 'books live again');
    const okAfterResync = r.pipeline.books.counters.checksumOk;
    await waitFor(() => r.pipeline.books.counters.checksumOk > okAfterResync + 20, 'more verified updates');
    await quiesce(r);

    expect(r.pipeline.books.counters).toMatchObject({ checksumFailed: 1, snapshots: 3 });
    expect(r.fake.stats.unsubscribeRequests).toBe(1);
    const book = r.pipeline.books.book('BTC/USD')!;
    const market = r.fake.marketTop('BTC/USD', 10);
    expect(book.bids.map((l) => [l.price, l.qty])).toEqual(market.bids);
    expect(book.asks.map((l) => [l.price, l.qty])).toEqual(market.asks);
  });

  it('reconnects after a dropped connection with growing, capped backoff and resubscribes everything', async () => {
    const r = await startRig();
    await waitFor(live(r), 'all books live');
    const subscribesBefore = r.fake.stats.subscribeRequests;
    r.fake.faults.refuseConnections(3);
    r.fake.faults.dropConnections();
    await waitFor(() => r.client.counters.connections === 2 && live(r)(), 'reconnected and live', 10_000);

    const attempts = r.fake.stats.connectionAttempts;
    expect(attempts).toHaveLength(5); // first connect, 3 refused, 1 accepted
    const gaps = attempts.slice(2).map((t, i) => t - (attempts[i + 1] as number));
    // random() = 0.999: delays ~100, ~200, ~400, ~800 ms (base 100, doubling, cap 2 s).
    expect(gaps[0]).toBeGreaterThanOrEqual(150);
    expect(gaps[1]).toBeGreaterThanOrEqual(350);
    expect(gaps[2]).toBeGreaterThanOrEqual(750);
    expect(gaps[2]).toBeLessThan(2_000 + 300);
    expect(r.client.counters.reconnects).toBe(4);
    // instrument + book + ticker + trade again
    expect(r.fake.stats.subscribeRequests - subscribesBefore).toBe(4);
    expect(r.pipeline.books.counters.checksumFailed).toBe(0);
  });

  it('detects a stall within the silence timeout and reconnects', async () => {
    const r = await startRig({ silenceTimeoutMs: 600 });
    await waitFor(live(r), 'all books live');
    r.fake.faults.stall();
    const stalledAt = performance.now();
    await waitFor(() => r.client.counters.silenceDetected === 1, 'silence detection');
    const detectedAfter = performance.now() - stalledAt;
    expect(detectedAfter).toBeGreaterThanOrEqual(550);
    expect(detectedAfter).toBeLessThan(600 + 150 + 150); // timeout + watchdog period + slack
    await waitFor(() => [...r.pipeline.state.values()].every((s) => !s.live), 'books dropped');
    r.fake.faults.resume();
    await waitFor(live(r), 'live after resume');
  });

  it('re-verifies live books while frames arrive (every 200 ms at most) and stops the moment the feed stalls', async () => {
    const r = await startRig();
    await waitFor(live(r), 'all books live');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const touches = r.marks.touches.slice(-4);
    expect(touches.length).toBe(4);
    for (const touch of touches) expect(touch.symbols.sort()).toEqual(SYMBOLS);
    for (let i = 1; i < touches.length; i++) {
      const gap = touches[i]!.atMs - touches[i - 1]!.atMs;
      expect(gap).toBeGreaterThanOrEqual(VERIFY_INTERVAL_MS);
      expect(gap).toBeLessThan(VERIFY_INTERVAL_MS + 150);
    }

    r.fake.faults.stall();
    await new Promise((resolve) => setTimeout(resolve, 100)); // frames already in flight land
    const count = r.marks.touches.length;
    await new Promise((resolve) => setTimeout(resolve, 600));
    // Nothing proves the books current any more: the risk API sees the marks age and rejects.
    expect(r.marks.touches.length).toBe(count);
  });

  it('retries a refused subscription until Kraken accepts it', async () => {
    const r = await startRig();
    r.fake.faults.refuseSubscription('ETH/USD', 2, 'book');
    await waitFor(live(r), 'all books live');
    expect(r.client.counters.subscriptionErrors).toBe(2);
    expect(r.client.snapshot().pendingSubscriptions).toEqual([]);
  });

  it('reports Kraken maintenance and keeps the books', async () => {
    const r = await startRig();
    await waitFor(live(r), 'all books live');
    r.fake.faults.setMaintenance(true);
    await waitFor(() => r.client.snapshot().system === 'maintenance', 'maintenance status');
    r.fake.faults.setMaintenance(false);
    await waitFor(() => r.client.snapshot().system === 'online', 'online status');
    expect(r.pipeline.allLive()).toBe(true);
  });

  it('stops connecting once the attempt budget is spent, instead of hammering Kraken', async () => {
    const r = await startRig({ connectAttemptsPer10Min: 3, reconnectBaseMs: 10, reconnectCapMs: 20 });
    await waitFor(live(r), 'all books live');
    r.fake.faults.refuseConnections(1_000);
    r.fake.faults.dropConnections();
    await waitFor(() => r.client.counters.budgetDeferrals >= 1, 'a budget deferral');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(r.fake.stats.connectionAttempts).toHaveLength(3);
    expect(r.client.attemptsInWindow()).toBe(3);
    expect(r.client.snapshot().nextConnectAt! - Date.now()).toBeGreaterThan(500_000);
  });
});
