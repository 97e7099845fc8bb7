import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import type { KinesisStreamEvent } from 'aws-lambda';
import { RedisEvaluatorStateStore } from '../../functions/market-evaluator/adapters/redis-evaluator-state.js';
import { MarketEvaluator } from '../../functions/market-evaluator/evaluator.js';
import { createMarketEventsHandler } from '../../functions/market-evaluator/process-batch.js';
import { IngestPipeline } from '../../functions/market-ingester/pipeline.js';
import { replayRecording } from '../../functions/market-ingester/recording.js';
import { connectStores } from '../../shared/adapters/batch-stores.js';
import { PostgresBreakerConfigSource } from '../../shared/adapters/breakers/breaker-config-source.js';
import { PostgresBreakerAudit } from '../../shared/adapters/breakers/breaker-store.js';
import { DiscardingTimeSeriesSink } from '../../shared/adapters/timeseries/port.js';
import type { MarketEvent } from '../../shared/domain/market/events.js';
import { percentile, round3 } from '../bench-utils.js';
import { databaseUrl, local } from '../local-env.js';

/**
 * evaluator.events_per_s: the market-evaluator's Lambda inner function (Powertools batch
 * processing, base64 + JSON + schema per record, volatility/spread/depeg breakers, bars)
 * over Kinesis-shaped batches of 1,000 records, on one core, with its state committed to
 * the real local Redis once per batch (one MULTI) and breaker changes audited in the local
 * PostgreSQL. The events are the committed Kraken recording replayed through the ingester's
 * own pipeline, repeated with shifted times and fresh ids to fill the batches. Time-series
 * writes are excluded (a discarding sink): they are a separate, asynchronous cost per stage.
 *
 * evaluator.decode_events_per_s: the floor of the same work (issue #16): decoding alone
 * (base64 -> UTF-8 -> JSON.parse) of the very batches measured above, nothing else, on the
 * same core in the same process. ratios.evaluator_over_decode = events_per_s over it.
 *
 * BENCH_EVALUATOR_CPU_PROFILE=<file.cpuprofile>: a CPU profile (V8's sampler, 200 us) of the
 * measured batches alone, for DevTools or any .cpuprofile reader (docs/benchmarks.md, "What
 * was changed for the evaluator"). Off by default: the sampler costs time of its own.
 */
export const group = 'evaluator';

const RECORDING = path.join(local.root, 'test', 'recordings', 'kraken-v2-fake-seed42.jsonl');
const BATCH = 1_000;
const BATCHES = 120;
const WARMUP_BATCHES = 20;

async function recordedEvents(): Promise<MarketEvent[]> {
  const symbols = new Set<string>();
  for (const line of readFileSync(RECORDING, 'utf8').split('\n')) {
    if (!line.includes('"channel":"book"')) continue;
    const frame = JSON.parse(line) as { data?: { symbol?: string }[] };
    for (const d of frame.data ?? []) if (d.symbol) symbols.add(d.symbol);
  }
  const events: MarketEvent[] = [];
  const pipeline = new IngestPipeline({
    symbols: [...symbols],
    depth: 10,
    sink: { publish: (event) => events.push(event) > 0, flush: async () => {} },
    marks: { put() {}, markStale() {}, touch() {}, setFeedStatus() {}, flush: async () => {} },
  });
  await replayRecording(RECORDING, (frame, receiveMs) => pipeline.handle(frame, receiveMs));
  if (events.length === 0) throw new Error('the recording produced no market events');
  return events;
}

/** Lambda events of BATCH records: the recording repeated, each lap shifted in time, ids made unique. */
function batches(recorded: MarketEvent[], count: number): KinesisStreamEvent[] {
  const out: KinesisStreamEvent[] = [];
  const firstMs = Date.parse(recorded[0]?.receive_ts ?? '');
  const spanMs = Date.parse(recorded.at(-1)?.receive_ts ?? '') - firstMs + 100;
  let n = 0;
  let seq = 10n ** 20n;
  for (let b = 0; b < count; b++) {
    const records = [];
    for (let i = 0; i < BATCH; i++, n++) {
      const lap = Math.floor(n / recorded.length);
      const source = recorded[n % recorded.length] as MarketEvent;
      const shift = (iso: string | null) => (iso ? new Date(Date.parse(iso) + lap * spanMs).toISOString() : null);
      const event = {
        ...source,
        event_id: `${source.event_id}#${lap}`,
        exchange_ts: shift(source.exchange_ts),
        receive_ts: shift(source.receive_ts) as string,
      };
      seq += 1n;
      records.push({
        awsRegion: 'eu-west-1',
        eventID: `shardId-000000000000:${seq}`,
        eventName: 'aws:kinesis:record',
        eventSource: 'aws:kinesis',
        eventSourceARN: 'arn:aws:kinesis:eu-west-1:000000000000:stream/bench',
        eventVersion: '1.0',
        invokeIdentityArn: 'arn:aws:iam::000000000000:role/bench',
        kinesis: {
          kinesisSchemaVersion: '1.0',
          partitionKey: event.symbol,
          sequenceNumber: String(seq),
          data: Buffer.from(JSON.stringify(event)).toString('base64'),
          approximateArrivalTimestamp: Date.now() / 1000,
        },
      });
    }
    out.push({ Records: records });
  }
  return out;
}

/** Starts V8's CPU profiler when `file` is set; the returned function stops it and writes the profile there. */
async function startProfile(file: string | undefined): Promise<(() => Promise<void>) | undefined> {
  if (!file) return undefined;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}

/** Records per second of base64 + JSON decoding alone over `batches`, warmed up, for at least 2 s. */
function decodeFloor(measured: readonly KinesisStreamEvent[]): number {
  let sink = 0;
  const pass = () => {
    for (const event of measured) {
      for (const record of event.Records) {
        const decoded = JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString('utf8')) as { symbol: string };
        sink += decoded.symbol.length;
      }
    }
  };
  pass();
  pass();
  let records = 0;
  const started = performance.now();
  while (performance.now() - started < 2_000) {
    pass();
    records += measured.length * BATCH;
  }
  const perSecond = (records / (performance.now() - started)) * 1000;
  if (sink === 0) throw new Error('decoded nothing');
  return perSecond;
}

export default async function run(): Promise<Record<string, number>> {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  const recorded = await recordedEvents();
  const all = batches(recorded, BATCHES + WARMUP_BATCHES);
  const stores = await connectStores({
    STAGE: 'local',
    REDIS_HOST: local.redisHost,
    REDIS_PORT: local.redisPort,
    REDIS_DB: local.testRedisDb,
    REDIS_TLS: false,
    REDIS_COMMAND_TIMEOUT_MS: 5_000,
    REDIS_CONNECT_TIMEOUT_MS: 2_000,
    DATABASE_URL: databaseUrl(),
    DATABASE_TLS: false,
    DATABASE_PORT: 5432,
    DATABASE_NAME: 'unused',
    DATABASE_AUTH: 'secret',
    DATABASE_STATEMENT_TIMEOUT_MS: 5_000,
  });
  const symbols = [...new Set(recorded.map((e) => e.symbol))];
  try {
    await stores.redis.del(...symbols.map((s) => `eval:${s}`), ...symbols.map((s) => `breaker:${s}`));
    const sink = new DiscardingTimeSeriesSink();
    const evaluator = new MarketEvaluator({
      state: new RedisEvaluatorStateStore(stores.redis),
      audit: new PostgresBreakerAudit(stores.pool),
      sink,
      poison: {
        park: async () => {
          throw new Error('the bench has no poison records');
        },
      },
      configs: new PostgresBreakerConfigSource(stores.pool, { ttlMs: 600_000, maxStaleMs: 600_000 }),
    });
    let applied = 0;
    let transitions = 0;
    const handler = createMarketEventsHandler(evaluator, (summary) => {
      applied += summary.applied;
      transitions += summary.transitions.length;
    });
    for (const event of all.slice(0, WARMUP_BATCHES)) await handler(event);
    applied = 0;
    transitions = 0;
    const batchMs: number[] = [];
    const profiler = await startProfile(process.env.BENCH_EVALUATOR_CPU_PROFILE);
    const started = performance.now();
    for (const event of all.slice(WARMUP_BATCHES)) {
      const t = performance.now();
      const response = await handler(event);
      batchMs.push(performance.now() - t);
      if (response.batchItemFailures.length > 0) throw new Error('unexpected batch item failures');
    }
    const seconds = (performance.now() - started) / 1000;
    await profiler?.();
    if (applied !== BATCHES * BATCH) throw new Error(`applied ${applied} of ${BATCHES * BATCH} events`);
    const decodePerSecond = decodeFloor(all.slice(WARMUP_BATCHES));
    return {
      events_per_s: Math.round(applied / seconds),
      decode_events_per_s: Math.round(decodePerSecond),
      batch_p50_ms: round3(percentile(batchMs, 50)),
      batch_p99_ms: round3(percentile(batchMs, 99)),
      batch_size: BATCH,
      symbols: symbols.length,
      recorded_events: recorded.length,
      breaker_transitions: transitions,
    };
  } finally {
    await stores.close();
  }
}
