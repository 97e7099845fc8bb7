import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Redis } from 'ioredis';
import type { MetricSeries, MetricSeriesQuery, MetricsSource } from '../../functions/admin-api/desk-reads.js';
import { decodeMark } from '../../shared/adapters/redis/mark-hash.js';
import { markCurrentAtMs } from '../../shared/domain/risk/state.js';
import { CATALOGUE } from '../../shared/metrics/catalogue.js';
import { emitMetric, type MetricsSink } from '../../shared/metrics/emit.js';
import { REDIS_KEYS } from '../../shared/names.js';

/** The console asks for at most three hours; older samples are dropped as new ones come. */
const KEEP_MS = 3 * 3_600_000;
const MAX_SAMPLES_PER_SERIES = 200_000;

interface Sample {
  readonly t: number;
  readonly v: number;
}

/**
 * Local mode's metrics: the data points a stage sends to CloudWatch as EMF, emitted through
 * the same helper (shared/metrics/emit.ts, so under exactly the catalogue's dimension sets),
 * kept in memory and aggregated per period like GetMetricData, so the console's charts read
 * local mode the way they read a stage.
 */
export class LocalMetrics implements MetricsSource {
  private readonly samples = new Map<string, { name: string; dimensions: Record<string, string>; samples: Sample[] }>();

  /** A Powertools-shaped sink: each `addDimensions` of a single metric is one dimension set, as in EMF. */
  readonly sink: MetricsSink = {
    addMetric: (name, _unit, value) => {
      this.record(name, value, {});
      return this.sink as unknown as Metrics;
    },
    singleMetric: () => {
      const sets: Record<string, string>[] = [];
      const single = {
        addDimensions: (dimensions: Record<string, string>) => {
          sets.push({ ...dimensions });
          return single;
        },
        addMetric: (name: string, _unit: unknown, value: number) => {
          for (const set of sets.length > 0 ? sets : [{}]) this.record(name, value, set);
          return single;
        },
      };
      return single as unknown as Metrics;
    },
  };

  /** One data point under one dimension set (besides `service`). */
  record(name: string, value: number, dimensions: Record<string, string>, tMs = Date.now()): void {
    const key = `${name}|${Object.entries(dimensions)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}=${v}`)
      .join(',')}`;
    let entry = this.samples.get(key);
    if (!entry) {
      entry = { name, dimensions, samples: [] };
      this.samples.set(key, entry);
    }
    entry.samples.push({ t: tMs, v: value });
    const cutoff = tMs - KEEP_MS;
    let drop = 0;
    while (drop < entry.samples.length && (entry.samples[drop]?.t ?? 0) < cutoff) drop++;
    if (entry.samples.length - drop > MAX_SAMPLES_PER_SERIES) drop = entry.samples.length - MAX_SAMPLES_PER_SERIES;
    if (drop > 0) entry.samples.splice(0, drop);
  }

  /**
   * Samples each symbol's data age every `everyMs` from the marks in Redis, as the ingester
   * reports IngestDataAgeMs per symbol in a stage (the local ingester's metrics are off).
   */
  sampleDataAge(redis: Redis, symbols: readonly string[], everyMs = 1_000): () => void {
    const timer = setInterval(() => {
      const now = Date.now();
      const pipeline = redis.pipeline();
      for (const symbol of symbols) pipeline.hgetall(REDIS_KEYS.mark(symbol));
      pipeline
        .exec()
        .then((replies) => {
          symbols.forEach((symbol, i) => {
            const fields = replies?.[i]?.[1] as Record<string, string> | undefined;
            const mark = fields ? decodeMark(fields) : null;
            if (mark)
              emitMetric(this.sink, CATALOGUE.ingestDataAgeMs, Math.max(0, now - markCurrentAtMs(mark)), { symbol });
          });
        })
        .catch(() => undefined);
    }, everyMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  async series(query: MetricSeriesQuery, nowMs: number): Promise<MetricSeries[]> {
    const periodMs = query.periodSeconds * 1_000;
    const start = Math.floor((nowMs - query.minutes * 60_000) / periodMs) * periodMs;
    const out: MetricSeries[] = [];
    for (const entry of this.samples.values()) {
      if (entry.name !== query.metric) continue;
      // As in CloudWatch: a split query reads the {service, dimension} set, an unsplit one the {service} set.
      const keys = Object.keys(entry.dimensions);
      if (query.dimension ? keys.length !== 1 || keys[0] !== query.dimension : keys.length !== 0) continue;
      const buckets = new Map<number, number[]>();
      for (const sample of entry.samples) {
        if (sample.t < start || sample.t > nowMs) continue;
        const bucket = Math.floor(sample.t / periodMs) * periodMs;
        const values = buckets.get(bucket) ?? [];
        values.push(sample.v);
        buckets.set(bucket, values);
      }
      if (buckets.size === 0) continue;
      out.push({
        label: query.dimension ? (entry.dimensions[query.dimension] ?? entry.name) : entry.name,
        points: [...buckets.entries()]
          .sort(([a], [b]) => a - b)
          .map(([t, values]) => ({ t, v: aggregate(values, query.stat) })),
      });
    }
    return out.sort((a, b) => a.label.localeCompare(b.label));
  }
}

function aggregate(values: readonly number[], stat: MetricSeriesQuery['stat']): number {
  switch (stat) {
    case 'Sum':
      return values.reduce((a, b) => a + b, 0);
    case 'Average':
      return values.reduce((a, b) => a + b, 0) / values.length;
    case 'Maximum':
      return Math.max(...values);
    case 'Minimum':
      return Math.min(...values);
    default: {
      // Nearest-rank percentile, as CloudWatch's pNN of raw samples.
      const sorted = [...values].sort((a, b) => a - b);
      const rank = Math.ceil((stat === 'p99' ? 0.99 : 0.5) * sorted.length);
      return sorted[Math.max(0, rank - 1)] ?? 0;
    }
  }
}
