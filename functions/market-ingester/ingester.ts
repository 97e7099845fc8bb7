import type { Redis } from 'ioredis';
import type pg from 'pg';
import { createRedisClient, redisConfigFromUrl } from '../../shared/adapters/redis/client.js';
import { SecretReader } from '../../shared/adapters/secrets.js';
import type { Mark } from '../../shared/domain/market/events.js';
import { CATALOGUE } from '../../shared/metrics/catalogue.js';
import { emitMetric } from '../../shared/metrics/emit.js';
import { logger, metrics } from '../../shared/runtime/observability.js';
import { PostgresInstrumentTarget } from './adapters/postgres-instruments.js';
import { RedisInstrumentTarget } from './adapters/redis-instruments.js';
import { RedisMarkWriter } from './adapters/redis-marks.js';
import { RedisUniverseSource } from './adapters/redis-universe.js';
import { type IngesterConfig, isUsdSpotPair } from './config.js';
import { INGESTER_DEFAULTS } from './defaults.js';
import { recordBufferOverflow, recordFeedMetrics, recordPublish } from './feed-metrics.js';
import { type Readiness, startHealthServer } from './health-server.js';
import { InstrumentPublisher } from './instrument-publisher.js';
import { KinesisWorkerSink } from './kinesis-worker-sink.js';
import { KrakenFeedClient } from './kraken-client.js';
import { IngestPipeline } from './pipeline.js';
import type { FeedStatus, InstrumentTarget, TradedSymbolsSource } from './ports.js';
import { FrameRecorder } from './recording.js';

/** Settings {@link startIngester} reads: the parsed config (tests build one directly). */
export type IngesterSettings = Pick<
  IngesterConfig,
  | 'KRAKEN_WS_URL'
  | 'KRAKEN_SYMBOLS'
  | 'BOOK_DEPTH'
  | 'MARKET_EVENTS_STREAM'
  | 'REDIS_URL'
  | 'SILENCE_TIMEOUT_MS'
  | 'PING_INTERVAL_MS'
  | 'RECONNECT_BASE_MS'
  | 'RECONNECT_CAP_MS'
  | 'CONNECT_ATTEMPTS_PER_10_MIN'
  | 'KINESIS_LINGER_MS'
  | 'KINESIS_BUFFER_MAX_RECORDS'
  | 'HEALTH_PORT'
  | 'METRICS_INTERVAL_MS'
  | 'SHUTDOWN_FLUSH_TIMEOUT_MS'
> &
  Partial<Pick<IngesterConfig, 'REDIS_AUTH_SECRET_ID' | 'RECORD_PATH' | 'UNIVERSE_REFRESH_MS'>>;

export interface IngesterDependencies {
  readonly redis?: Redis;
  /**
   * The database Kraken's instrument catalog is written to (the universe job reads it).
   * Without one (local mode) instruments go to Redis only. The caller owns and closes it.
   */
  readonly pool?: pg.Pool;
  /**
   * Symbols to trade besides KRAKEN_SYMBOLS, read every UNIVERSE_REFRESH_MS.
   * @default the universe set in the ingester's Redis
   */
  readonly tradedSymbols?: TradedSymbolsSource;
  /** Told when marks are durable in Redis (benchmarks). */
  readonly onMarksWritten?: (marks: readonly Mark[], writtenAt: number) => void;
  /** Emit EMF metrics every METRICS_INTERVAL_MS. @default true */
  readonly emitMetrics?: boolean;
}

export interface RunningIngester {
  readonly healthPort: number;
  readonly pipeline: IngestPipeline;
  readonly client: KrakenFeedClient;
  readonly batcher: KinesisWorkerSink;
  readonly marks: RedisMarkWriter;
  readonly instruments: InstrumentPublisher;
  /** Reads the traded symbols now and subscribes the new ones (also runs on a timer). */
  refreshSymbols(): Promise<string[]>;
  readiness(): Readiness;
  feedStatus(): { status: FeedStatus; reason: string };
  /** Stops taking data, flushes Kinesis and Redis within the flush budget, closes everything. */
  stop(): Promise<void>;
}

/** How long after a Kinesis buffer overflow the feed stays degraded. */
const OVERFLOW_DEGRADED_MS = 60_000;

/**
 * Starts the ingester: Kraken v2 client -> verified books -> Kinesis events and Redis marks,
 * with /healthz and /ready, feed status in Redis and EMF metrics. Returns a handle whose
 * `stop()` is the SIGTERM path. Local mode runs it against the fake Kraken server.
 */
export async function startIngester(
  config: IngesterSettings,
  deps: IngesterDependencies = {},
): Promise<RunningIngester> {
  const symbols = config.KRAKEN_SYMBOLS;
  const ownRedis = !deps.redis;
  const redis =
    deps.redis ??
    createRedisClient(
      {
        ...redisConfigFromUrl(config.REDIS_URL),
        ...(config.REDIS_AUTH_SECRET_ID
          ? { password: await new SecretReader().getString(config.REDIS_AUTH_SECRET_ID) }
          : {}),
        commandTimeoutMs: 1_000,
      },
      // The ingester is a writer off the decision path: a short offline queue rides out a
      // failover instead of erroring every write.
      { enableOfflineQueue: true, maxRetriesPerRequest: 1 },
    );
  if (ownRedis) await redis.connect();

  let lastOverflowMs = 0;
  // PutRecords runs in a worker thread so its SDK work never delays a frame's mark.
  const batcher = new KinesisWorkerSink({
    streamName: config.MARKET_EVENTS_STREAM,
    lingerMs: config.KINESIS_LINGER_MS,
    requestTimeoutMs: 5_000,
    maxBufferedRecords: config.KINESIS_BUFFER_MAX_RECORDS,
    onOverflow: (dropped) => {
      lastOverflowMs = Date.now();
      recordBufferOverflow(metrics, dropped);
    },
    onPut: ({ latencyMs, failed, error }) => {
      recordPublish(metrics, latencyMs, failed);
      if (error) logger.warn('PutRecords failed; records re-queued', { error });
    },
    onWorkerError: (error, lost) => {
      lastOverflowMs = Date.now();
      logger.error('Kinesis worker stopped; restarted', { error: String(error), lost });
    },
  });
  const marks = new RedisMarkWriter(redis, {
    onWritten: deps.onMarksWritten,
    onError: (error) => logger.warn('Redis mark write failed; retrying', { error: String(error) }),
  });
  const recorder = config.RECORD_PATH ? new FrameRecorder(config.RECORD_PATH) : undefined;
  const instrumentTargets: InstrumentTarget[] = [new RedisInstrumentTarget(redis)];
  if (deps.pool) instrumentTargets.push(new PostgresInstrumentTarget(deps.pool));
  const instruments = new InstrumentPublisher(instrumentTargets, {
    onError: (target, error) => logger.warn('instrument write failed; retrying', { target, error: String(error) }),
    onWritten: (target, written, unreadable) => {
      if (unreadable.length > 0) logger.warn('Kraken sent unreadable instruments', { target, unreadable });
      logger.debug('instruments written', { target, written });
    },
  });

  const pipeline = new IngestPipeline({
    symbols,
    depth: config.BOOK_DEPTH,
    sink: batcher,
    marks,
    instruments,
    onResync: (symbol, outcome) => {
      emitMetric(metrics, CATALOGUE.ingestChecksumMismatches, 1);
      logger.warn('book checksum mismatch; resubscribing', { symbol, outcome });
    },
  });
  const client = new KrakenFeedClient({
    url: config.KRAKEN_WS_URL,
    symbols,
    depth: config.BOOK_DEPTH,
    pipeline,
    silenceTimeoutMs: config.SILENCE_TIMEOUT_MS,
    pingIntervalMs: config.PING_INTERVAL_MS,
    reconnectBaseMs: config.RECONNECT_BASE_MS,
    reconnectCapMs: config.RECONNECT_CAP_MS,
    connectAttemptsPer10Min: config.CONNECT_ATTEMPTS_PER_10_MIN,
    onRawFrame: recorder ? (text) => recorder.write(text) : undefined,
    log: (level, message, extra) => logger[level](message, extra ?? {}),
  });
  const feed = client;

  let stopping = false;
  const readiness = (): Readiness => {
    const snap = feed.snapshot();
    const reasons: string[] = [];
    if (stopping) reasons.push('shutting_down');
    if (!snap.connected) reasons.push('not_connected');
    if (snap.connected && snap.system !== 'online') reasons.push(`kraken_${snap.system}`);
    if (!snap.subscribed) reasons.push(`subscriptions_pending:${snap.pendingSubscriptions.join(',')}`);
    const awaiting = pipeline.awaitingSnapshot();
    if (awaiting.length > 0) reasons.push(`awaiting_snapshot:${awaiting.join(',')}`);
    const silentMs = Date.now() - snap.lastFrameMs;
    if (snap.connected && silentMs > config.SILENCE_TIMEOUT_MS) reasons.push(`silent_for_ms:${silentMs}`);
    return {
      ready: reasons.length === 0,
      reasons,
      detail: {
        symbols: client.subscribedSymbols(),
        attempts_in_window: feed.attemptsInWindow(),
        kinesis_buffered: batcher.buffered(),
      },
    };
  };

  let status: { status: FeedStatus; reason: string } = { status: 'stale', reason: 'starting' };
  const evaluateFeed = (): { status: FeedStatus; reason: string } => {
    const snap = feed.snapshot();
    if (!snap.connected) return { status: 'stale', reason: 'disconnected' };
    const awaiting = pipeline.awaitingSnapshot();
    if (awaiting.length > 0) return { status: 'stale', reason: `awaiting_snapshot:${awaiting.join(',')}` };
    if (snap.system !== 'online') return { status: 'degraded', reason: `kraken_${snap.system}` };
    if (Date.now() - lastOverflowMs < OVERFLOW_DEGRADED_MS)
      return { status: 'degraded', reason: 'kinesis_buffer_overflow' };
    if (!snap.subscribed) return { status: 'degraded', reason: 'subscriptions_pending' };
    return { status: 'live', reason: '' };
  };
  const publishFeedStatus = (force = false) => {
    const next = evaluateFeed();
    if (!force && next.status === status.status && next.reason === status.reason) return;
    status = next;
    marks.setFeedStatus(next.status, next.reason, Date.now());
    logger.info('feed status', { ...next });
  };
  publishFeedStatus(true);
  const feedTimer = setInterval(() => publishFeedStatus(), 250);

  let lastFrames = 0;
  const emitMetrics = () => {
    const snap = feed.snapshot();
    const now = Date.now();
    const dataAgeMs = new Map<string, number>();
    for (const [symbol, s] of pipeline.state) if (s.lastBookMs > 0) dataAgeMs.set(symbol, now - s.lastBookMs);
    recordFeedMetrics(metrics, {
      frames: pipeline.counters.frames - lastFrames,
      heartbeatAgeMs: snap.lastHeartbeatMs > 0 ? now - snap.lastHeartbeatMs : null,
      dataAgeMs,
    });
    lastFrames = pipeline.counters.frames;
    metrics.publishStoredMetrics();
  };
  let lastReconnects = 0;
  const metricsTimer =
    deps.emitMetrics === false
      ? undefined
      : setInterval(() => {
          const reconnects = feed.counters.reconnects - lastReconnects;
          lastReconnects = feed.counters.reconnects;
          if (reconnects > 0) emitMetric(metrics, CATALOGUE.ingestReconnects, reconnects);
          emitMetrics();
        }, config.METRICS_INTERVAL_MS);

  // The universe grows without a restart: new USD spot symbols Kraken lists are subscribed on
  // the live connection. Symbols that leave the universe stay subscribed until the next
  // restart (a deploy): an extra mark costs nothing, a missing one rejects orders.
  const tradedSymbols = deps.tradedSymbols ?? new RedisUniverseSource(redis);
  const notListed = new Set<string>();
  const refreshSymbols = async (): Promise<string[]> => {
    const wanted = (await tradedSymbols.symbols()).filter((symbol) => !pipeline.state.has(symbol));
    const subscribable = wanted.filter((symbol) => isUsdSpotPair(symbol) && pipeline.knowsInstrument(symbol));
    for (const symbol of wanted) {
      // Before the first instrument snapshot nothing is known yet: the next refresh retries.
      if (subscribable.includes(symbol) || notListed.has(symbol) || pipeline.instrumentCount() === 0) continue;
      notListed.add(symbol);
      logger.warn('traded symbol is not a USD spot pair Kraken lists; not subscribed', { symbol });
    }
    const added = pipeline.addSymbols(subscribable);
    if (added.length > 0) {
      client.addSymbols(added);
      logger.info('subscribing symbols added to the universe', { added });
    }
    return added;
  };
  const refreshQuietly = () => {
    refreshSymbols().catch((error: unknown) =>
      logger.warn('traded symbols unreadable; subscriptions unchanged', { error: String(error) }),
    );
  };
  const universeTimer = setInterval(
    refreshQuietly,
    config.UNIVERSE_REFRESH_MS ?? INGESTER_DEFAULTS.UNIVERSE_REFRESH_MS,
  );
  const firstInstruments = setInterval(() => {
    if (pipeline.instrumentCount() === 0) return;
    clearInterval(firstInstruments);
    refreshQuietly();
  }, 100);

  const health = await startHealthServer(config.HEALTH_PORT, readiness);
  client.start();

  return {
    healthPort: health.port,
    pipeline,
    client,
    batcher,
    marks,
    instruments,
    refreshSymbols,
    readiness,
    feedStatus: () => status,
    stop: async () => {
      if (stopping) return;
      stopping = true;
      const deadline = Date.now() + config.SHUTDOWN_FLUSH_TIMEOUT_MS;
      await feed.stop();
      clearInterval(feedTimer);
      clearInterval(universeTimer);
      clearInterval(firstInstruments);
      if (metricsTimer) clearInterval(metricsTimer);
      // Marks go stale on purpose: nobody refreshes them after this process exits.
      publishFeedStatus(true);
      await batcher.flush(Math.max(0, deadline - Date.now()));
      await marks.flush(Math.max(0, Math.min(5_000, deadline - Date.now())));
      await instruments.flush(Math.max(0, Math.min(5_000, deadline - Date.now())));
      instruments.close();
      if (batcher.buffered() > 0) {
        logger.error('shutdown flush budget exhausted; events not published', { unpublished: batcher.buffered() });
      }
      await recorder?.close();
      await health.close();
      if (deps.emitMetrics !== false) emitMetrics();
      await batcher.close();
      if (ownRedis) redis.disconnect();
    },
  };
}
