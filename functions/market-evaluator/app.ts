import { connectStores, type Stores } from '../../shared/adapters/batch-stores.js';
import { PostgresBreakerConfigSource } from '../../shared/adapters/breakers/breaker-config-source.js';
import { PostgresBreakerAudit } from '../../shared/adapters/breakers/breaker-store.js';
import { SqsPoisonRecordSink } from '../../shared/adapters/poison-sink.js';
import { PostgresStateGenerations } from '../../shared/adapters/postgres/state-generation.js';
import { StateEpochStore } from '../../shared/adapters/state-epoch.js';
import { AuroraTimeSeriesSink } from '../../shared/adapters/timeseries/aurora-sink.js';
import type { TimeSeriesSink } from '../../shared/adapters/timeseries/port.js';
import { TimestreamTimeSeriesSink } from '../../shared/adapters/timeseries/timestream-sink.js';
import { stateEpochOptions } from '../../shared/config/state-epoch.js';
import { RedisEvaluatorStateStore } from './adapters/redis-evaluator-state.js';
import type { MarketEvaluatorConfig } from './config.js';
import { MarketEvaluator } from './evaluator.js';

export interface MarketEvaluatorApp {
  readonly evaluator: MarketEvaluator;
  readonly stores: Stores;
  close(): Promise<void>;
}

export interface MarketEvaluatorHooks {
  readonly onRejectedTimeSeries?: (count: number) => void;
  readonly onStaleConfig?: (error: unknown) => void;
  /** Replaces the configured sink (benchmarks measure the state path alone). */
  readonly sink?: TimeSeriesSink;
}

/** Composition root of the market evaluator. */
export async function createMarketEvaluatorApp(
  config: MarketEvaluatorConfig,
  hooks: MarketEvaluatorHooks = {},
): Promise<MarketEvaluatorApp> {
  const stores = await connectStores(config);
  const sink =
    hooks.sink ??
    (config.TIME_SERIES_SINK === 'timestream'
      ? new TimestreamTimeSeriesSink({
          endpoint: config.TIMESTREAM_ENDPOINT as string,
          region: config.AWS_REGION,
          database: config.TIMESTREAM_DATABASE as string,
          ticksTable: config.TIMESTREAM_TICKS_TABLE as string,
          barsTable: config.TIMESTREAM_BARS_TABLE as string,
          onRejected: (rejected) => hooks.onRejectedTimeSeries?.(rejected.length),
        })
      : new AuroraTimeSeriesSink(stores.pool));
  const evaluator = new MarketEvaluator({
    state: new RedisEvaluatorStateStore(stores.redis, {
      ...stateEpochOptions(config),
      epoch: new StateEpochStore(stores.redis, new PostgresStateGenerations(stores.pool), stateEpochOptions(config)),
    }),
    audit: new PostgresBreakerAudit(stores.pool),
    sink,
    poison: new SqsPoisonRecordSink(config.DLQ_URL),
    configs: new PostgresBreakerConfigSource(stores.pool, {
      ttlMs: config.BREAKER_CONFIG_TTL_MS,
      maxStaleMs: config.BREAKER_CONFIG_MAX_STALE_MS,
      onStale: hooks.onStaleConfig,
    }),
    writeTicks: config.WRITE_TICKS,
  });
  return { evaluator, stores, close: () => stores.close() };
}
