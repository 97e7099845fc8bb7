import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { CatalogueMetric, ExtraDimension } from './catalogue.js';

/** What the helpers need of a Powertools `Metrics` instance (the one of shared/runtime/observability.ts). */
export type MetricsSink = Pick<Metrics, 'addMetric' | 'singleMetric'>;

/** The dimension values an entry needs: none for `{service}` metrics, exactly its declared keys otherwise. */
export type DimensionArgs<M extends CatalogueMetric> = [ExtraDimension<M>] extends [never]
  ? []
  : [dimensions: { readonly [K in ExtraDimension<M>]: string }];

/**
 * Emits one data point of a catalogue metric under exactly its declared dimension sets. Only
 * catalogue entries are accepted, and only with their declared dimensions, so a metric an
 * alarm or dashboard does not know, or a dimension that would split it into a series no alarm
 * reads, does not compile.
 *
 * `{service}`-only metrics go on the shared instance (flushed by `logMetrics` or the
 * long-lived units' interval); the others go out at once as a single metric, so their
 * dimensions never leak onto other metrics of the invocation.
 */
export function emitMetric<M extends CatalogueMetric>(
  sink: MetricsSink,
  metric: M,
  value: number,
  ...dimensions: DimensionArgs<M>
): void {
  const sets = metric.dimensionSets as readonly (readonly string[])[];
  if (sets.length === 1 && sets[0]?.length === 1) {
    sink.addMetric(metric.name, metric.unit, value);
    return;
  }
  const given = (dimensions[0] ?? {}) as Record<string, string>;
  const single = sink.singleMetric();
  for (const set of sets) {
    // Powertools drops a dimension with an empty value (the point would land in another
    // set); 'unknown' keeps it in the declared one.
    single.addDimensions(Object.fromEntries(set.filter((k) => k !== 'service').map((k) => [k, given[k] || 'unknown'])));
  }
  single.addMetric(metric.name, metric.unit, value);
}
