import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { METRIC_NAMESPACE, SERVICE_NAME } from '../../../shared/names.js';
import type { MetricSeries, MetricSeriesQuery, MetricsSource } from '../desk-reads.js';

/** A dimension value is a word the code emits (a decision, a reason code, a symbol); never quoted input. */
const SAFE = /^[A-Za-z0-9_]+$/;

/**
 * Metric series from CloudWatch, queried as the dashboards chart them (namespace, `service`
 * dimension, the panel's extra dimension split by a SEARCH). Names were checked against
 * `METRICS` at the edge, so only the code's own words reach the expression.
 */
export class CloudWatchMetricsSource implements MetricsSource {
  constructor(private readonly client: CloudWatchClient = new CloudWatchClient({})) {}

  async series(query: MetricSeriesQuery, nowMs: number): Promise<MetricSeries[]> {
    if (!SAFE.test(query.metric) || (query.dimension && !SAFE.test(query.dimension))) return [];
    const metricQuery: MetricDataQuery = query.dimension
      ? {
          Id: 'q',
          Expression: `SEARCH('{${METRIC_NAMESPACE},${query.dimension},service} MetricName="${query.metric}" service="${SERVICE_NAME}"', '${query.stat}', ${query.periodSeconds})`,
        }
      : {
          Id: 'q',
          Label: query.metric,
          MetricStat: {
            Metric: {
              Namespace: METRIC_NAMESPACE,
              MetricName: query.metric,
              Dimensions: [{ Name: 'service', Value: SERVICE_NAME }],
            },
            Period: query.periodSeconds,
            Stat: query.stat,
          },
        };
    const answer = await this.client.send(
      new GetMetricDataCommand({
        StartTime: new Date(nowMs - query.minutes * 60_000),
        EndTime: new Date(nowMs),
        MetricDataQueries: [metricQuery],
        ScanBy: 'TimestampAscending',
        MaxDatapoints: 5_000,
      }),
    );
    return (answer.MetricDataResults ?? []).map((result) => ({
      label: result.Label ?? query.metric,
      points: (result.Timestamps ?? []).map((t, i) => ({ t: t.getTime(), v: result.Values?.[i] ?? 0 })),
    }));
  }
}
