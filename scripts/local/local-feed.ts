import type { Redis } from 'ioredis';
import type pg from 'pg';
import { type RunningIngester, startIngester } from '../../functions/market-ingester/index.js';
import { createKinesisClient } from '../../shared/adapters/aws-clients.js';
import { STREAMS } from '../../shared/names.js';
import { startFakeKrakenServer } from '../../test/fakes/kraken-ws/server.js';
import { createStream, deleteStream } from '../../test/kinesis-local.js';

/**
 * Local mode's market data, through the real ingester: the fake Kraken v2 server (seeded
 * random walk, loopback) -> KrakenFeedClient -> verified books -> marks in Redis and events
 * on kinesis-local's `market-events`, exactly the path the Fargate task runs; Kraken's
 * `instrument` channel goes to the instruments hash and table, as in a stage (the universe
 * job reads the table). Never used in a deployed stage.
 */
export interface LocalFeed {
  readonly krakenWsUrl: string;
  readonly ingester: RunningIngester;
  stop(): Promise<void>;
}

export async function startLocalFeed(options: {
  redis: Redis;
  redisUrl: string;
  /** The database the instrument catalog is written to (the caller owns it). */
  pool: pg.Pool;
  symbols: readonly string[];
  seed?: number;
}): Promise<LocalFeed> {
  const kraken = await startFakeKrakenServer({
    seed: options.seed ?? 42,
    symbols: options.symbols,
    // Modest on purpose: kinesis-local's cost per record grows with the records it holds.
    updatesPerSecond: 10,
  });
  const stream = STREAMS.marketEvents;
  // A fresh stream per start: kinesis-local slows down as records pile up (docs/ingester.md).
  const kinesis = createKinesisClient();
  try {
    await deleteStream(kinesis, stream);
    await createStream(kinesis, stream);
  } finally {
    kinesis.destroy();
  }
  const ingester = await startIngester(
    {
      KRAKEN_WS_URL: kraken.url,
      KRAKEN_SYMBOLS: [...options.symbols],
      BOOK_DEPTH: 10,
      MARKET_EVENTS_STREAM: stream,
      REDIS_URL: options.redisUrl,
      SILENCE_TIMEOUT_MS: 5_000,
      PING_INTERVAL_MS: 10_000,
      RECONNECT_BASE_MS: 500,
      RECONNECT_CAP_MS: 5_000,
      CONNECT_ATTEMPTS_PER_10_MIN: 120,
      KINESIS_LINGER_MS: 50,
      KINESIS_BUFFER_MAX_RECORDS: 100_000,
      HEALTH_PORT: 0,
      METRICS_INTERVAL_MS: 60_000,
      SHUTDOWN_FLUSH_TIMEOUT_MS: 5_000,
    },
    { redis: options.redis, pool: options.pool, emitMetrics: false },
  );

  // Ready means every book verified: decisions made right after start see live marks.
  const deadline = Date.now() + 15_000;
  while (!ingester.readiness().ready) {
    if (Date.now() > deadline) {
      await ingester.stop();
      await kraken.close();
      throw new Error(`local feed not ready: ${ingester.readiness().reasons.join('; ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // The universe job reads the instruments table right after: the catalog must be in it.
  await ingester.instruments.flush();

  return {
    krakenWsUrl: kraken.url,
    ingester,
    async stop() {
      await ingester.stop();
      await kraken.close();
    },
  };
}
