import { CATALOGUE } from '../../shared/metrics/catalogue.js';
import { emitMetric, type MetricsSink } from '../../shared/metrics/emit.js';

/** What the ingester reports each metrics interval. */
export interface FeedMetricsSnapshot {
  /** Frames handled since the last report. */
  readonly frames: number;
  /** Age of Kraken's last heartbeat, or null before the first one. */
  readonly heartbeatAgeMs: number | null;
  /** Age of each symbol's newest book update (symbols with no book yet are left out). */
  readonly dataAgeMs: ReadonlyMap<string, number>;
}

/**
 * The ingester's periodic metrics. Each symbol's data age goes out per symbol and, in the same
 * document, under `{service}`: the freshness alarm reads the stalest symbol from that set,
 * and its silence (no ingester reporting) is itself an alarm.
 */
export function recordFeedMetrics(sink: MetricsSink, snapshot: FeedMetricsSnapshot): void {
  emitMetric(sink, CATALOGUE.ingestFrames, snapshot.frames);
  if (snapshot.heartbeatAgeMs !== null) emitMetric(sink, CATALOGUE.ingestHeartbeatAgeMs, snapshot.heartbeatAgeMs);
  for (const [symbol, ageMs] of snapshot.dataAgeMs) emitMetric(sink, CATALOGUE.ingestDataAgeMs, ageMs, { symbol });
}

/** Events dropped from the full Kinesis buffer (the durable path is degraded). */
export function recordBufferOverflow(sink: MetricsSink, dropped: number): void {
  emitMetric(sink, CATALOGUE.ingestBufferOverflow, dropped);
}

/** One PutRecords call: its duration, and the records it failed (re-queued). */
export function recordPublish(sink: MetricsSink, latencyMs: number, failed: number): void {
  emitMetric(sink, CATALOGUE.ingestPublishLatencyMs, latencyMs);
  if (failed > 0) emitMetric(sink, CATALOGUE.ingestPublishErrors, failed);
}
