import { randomUUID } from 'node:crypto';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKinesisClient } from '../../shared/adapters/aws-clients.js';
import { createRedisClient, redisConfigFromUrl } from '../../shared/adapters/redis/client.js';
import { decodeInstrument } from '../../shared/adapters/redis/instruments-hash.js';
import { decodeMark } from '../../shared/adapters/redis/mark-hash.js';
import { queueUniverseSwap } from '../../shared/adapters/redis/universe-set.js';
import { REDIS_KEYS, TABLES } from '../../shared/names.js';
import { type FakeKrakenServer, startFakeKrakenServer } from '../../test/fakes/kraken-ws/server.js';
import { createStream, deleteStream } from '../../test/kinesis-local.js';
import { databaseUrl, redisUrl } from '../../test/local-env.js';
import { type RunningIngester, startIngester } from './ingester.js';
import { waitFor } from './test-support/doubles.js';

// Pairs no other test uses; the fake lists all three, the ingester starts with the first.
const tag = randomUUID().replace(/-/g, '').slice(0, 4).toUpperCase();
const [TRADED, OTHER, LATER] = [`ZI${tag}/USD`, `ZJ${tag}/USD`, `ZK${tag}/USD`] as [string, string, string];
const streamName = `it-instruments-${randomUUID().slice(0, 8)}`;

let kinesis: KinesisClient;
let redis: Redis;
let pool: pg.Pool;
let fake: FakeKrakenServer;
let ingester: RunningIngester;
let previousUniverse: string[];

/** Polls an async read until `accept` holds; fails naming `what` after `timeoutMs`. */
async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const hashEntry = async (symbol: string) => decodeInstrument(symbol, await redis.hget(REDIS_KEYS.instruments, symbol));
const row = async (symbol: string) =>
  (
    await pool.query<{ status: string; price_increment: string; qty_min: string; qty_precision: number; base: string }>(
      `SELECT status, price_increment::text, qty_min::text, qty_precision, base FROM ${TABLES.instruments} WHERE symbol = $1`,
      [symbol],
    )
  ).rows[0];

beforeAll(async () => {
  kinesis = createKinesisClient();
  await createStream(kinesis, streamName, 1);
  redis = createRedisClient({ ...redisConfigFromUrl(redisUrl()), commandTimeoutMs: 2_000 });
  await redis.connect();
  previousUniverse = await redis.smembers(REDIS_KEYS.universe);
  pool = new pg.Pool({ connectionString: databaseUrl(), max: 2 });
  fake = await startFakeKrakenServer({ seed: 21, symbols: [TRADED, OTHER, LATER], updatesPerSecond: 50 });
  ingester = await startIngester(
    {
      KRAKEN_WS_URL: fake.url,
      KRAKEN_SYMBOLS: [TRADED],
      BOOK_DEPTH: 10,
      MARKET_EVENTS_STREAM: streamName,
      REDIS_URL: redisUrl(),
      SILENCE_TIMEOUT_MS: 2_000,
      PING_INTERVAL_MS: 1_000,
      RECONNECT_BASE_MS: 100,
      RECONNECT_CAP_MS: 1_000,
      CONNECT_ATTEMPTS_PER_10_MIN: 120,
      KINESIS_LINGER_MS: 20,
      KINESIS_BUFFER_MAX_RECORDS: 100_000,
      HEALTH_PORT: 0,
      METRICS_INTERVAL_MS: 60_000,
      SHUTDOWN_FLUSH_TIMEOUT_MS: 5_000,
      UNIVERSE_REFRESH_MS: 200,
    },
    { emitMetrics: false, pool },
  );
  await waitFor(() => ingester.readiness().ready, 'ingester ready', 10_000);
});

afterAll(async () => {
  await ingester?.stop();
  await fake?.close();
  const symbols = [TRADED, OTHER, LATER];
  await redis.hdel(REDIS_KEYS.instruments, ...symbols);
  await redis.del(...symbols.map((s) => REDIS_KEYS.mark(s)), REDIS_KEYS.universe);
  if (previousUniverse.length > 0) {
    const multi = redis.multi();
    queueUniverseSwap(multi, previousUniverse);
    await multi.exec();
  }
  redis.disconnect();
  await pool.query(`DELETE FROM ${TABLES.instruments} WHERE symbol = ANY($1)`, [symbols]);
  await pool.end();
  await deleteStream(kinesis, streamName);
  kinesis.destroy();
});

describe("Market ingester: Kraken's instrument data into Redis and PostgreSQL", () => {
  it('writes every listed pair, subscribed or not, to the instruments hash and table', async () => {
    // Prepare: the ingester is running against the fake (beforeAll).

    // Act
    const entries = await eventually(
      () => Promise.all([TRADED, OTHER, LATER].map(hashEntry)),
      (all) => all.every((e) => e !== null),
      'every pair in the hash',
    );
    const rows = await eventually(
      () => Promise.all([TRADED, OTHER, LATER].map(row)),
      (all) => all.every((r) => r !== undefined),
      'every pair in the table',
    );

    // Assess: the fake lists these pairs at 4 price and 8 quantity decimals.
    for (const entry of entries) {
      expect(entry).toMatchObject({ status: 'online', quote: 'USD', pricePrecision: 4, qtyPrecision: 8 });
      expect(entry?.priceIncrement.toString()).toBe('0.0001');
      expect(entry?.qtyMin.toString()).toBe('0.0001');
    }
    expect(rows[1]).toEqual({
      status: 'online',
      price_increment: '0.0001',
      qty_min: '0.0001',
      qty_precision: 8,
      base: `ZJ${tag}`,
    });
  });

  it('shows a status Kraken changes on the running feed in the hash and the row', async () => {
    // Prepare
    await eventually(
      () => row(OTHER),
      (r) => r?.status === 'online',
      'OTHER online first',
    );

    // Act
    fake.setPairStatus(OTHER, 'cancel_only');

    // Assess
    const entry = await eventually(
      () => hashEntry(OTHER),
      (e) => e?.status === 'cancel_only',
      'hash status',
    );
    const changed = await eventually(
      () => row(OTHER),
      (r) => r?.status === 'cancel_only',
      'row status',
    );
    expect(entry?.status).toBe('cancel_only');
    expect(changed?.status).toBe('cancel_only');
    expect((await hashEntry(TRADED))?.status).toBe('online');

    // Act: and back
    fake.setPairStatus(OTHER, 'online');

    // Assess
    await eventually(
      () => hashEntry(OTHER),
      (e) => e?.status === 'online',
      'hash back online',
    );
    await eventually(
      () => row(OTHER),
      (r) => r?.status === 'online',
      'row back online',
    );
  });

  it('subscribes a symbol the universe gains without a restart, only pairs Kraken lists, and the feed stays live', async () => {
    // Prepare
    expect(ingester.client.subscribedSymbols()).not.toContain(LATER);
    await redis.del(REDIS_KEYS.mark(LATER));
    const statuses = new Set<string>();
    const watch = setInterval(() => statuses.add(ingester.feedStatus().status), 10);

    // Act
    const multi = redis.multi();
    // With a pair Kraken does not list and a non-USD pair: neither may be subscribed (a
    // refused subscription would hold the feed in `degraded` forever).
    queueUniverseSwap(multi, [TRADED, LATER, `ZZ${tag}/USD`, 'ETH/EUR']);
    await multi.exec();

    // Assess
    const mark = await eventually(
      async () => decodeMark(await redis.hgetall(REDIS_KEYS.mark(LATER))),
      (m) => m?.live === true,
      'a live mark of the symbol the universe gained',
    );
    clearInterval(watch);
    expect(mark?.bid.lt(mark.ask)).toBe(true);
    expect(ingester.client.subscribedSymbols()).toEqual([TRADED, LATER]);
    expect([...statuses]).toEqual(['live']);
  });
});
