import * as cloudwatch from '@grafana/grafana-foundation-sdk/cloudwatch';
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { STAGE_CONFIGS } from '../infra/config/stages.js';
import { draw, NAMESPACE, PANELS, type PanelMetric, SERVICE_DIMENSION, splitKeys } from './panels.js';
import { slos } from './slo.js';

/**
 * Grafana dashboards (CloudWatch data source) built with the typed builders of
 * `@grafana/grafana-foundation-sdk` from the same lists as the CloudWatch dashboard: the
 * overview from {@link PANELS}, the SLO board from dashboards/slo.ts. Every query names a
 * catalogue metric with one of its declared dimension sets, matched exactly.
 * `npm run dashboards` writes dashboards/grafana/; a test fails when a committed file
 * differs from what this builds.
 */
export interface GrafanaFile {
  readonly file: string;
  readonly dashboard: dashboard.Dashboard;
}

// biome-ignore lint/suspicious/noTemplateCurlyInString: a Grafana template variable, resolved by Grafana
const DATASOURCE = { type: 'cloudwatch', uid: '${datasource}' } as const;

export function buildGrafanaDashboards(): GrafanaFile[] {
  return [
    { file: 'risk-gate.json', dashboard: buildOverview() },
    { file: 'risk-gate-slo.json', dashboard: buildSloBoard() },
  ];
}

/** The overview board (kept under its first name and uid). */
export function buildGrafanaDashboard(): dashboard.Dashboard {
  return buildOverview();
}

function base(title: string, uid: string): dashboard.DashboardBuilder {
  return new dashboard.DashboardBuilder(title)
    .uid(uid)
    .tags(['risk-gate', 'kraken'])
    .timezone('utc')
    .refresh('30s')
    .time({ from: 'now-6h', to: 'now' })
    .withVariable(new dashboard.DatasourceVariableBuilder('datasource').type('cloudwatch'))
    .withVariable(
      new dashboard.CustomVariableBuilder('region')
        .values('eu-west-1')
        .current({ text: 'eu-west-1', value: 'eu-west-1' }),
    );
}

function buildOverview(): dashboard.Dashboard {
  const board = base('risk-gate', 'risk-gate');
  PANELS.forEach((panel, index) => {
    board.withPanel(
      new timeseries.PanelBuilder()
        .id(index + 1)
        .title(panel.title)
        .datasource(DATASOURCE)
        .gridPos({ h: 8, w: 12, x: (index % 2) * 12, y: Math.floor(index / 2) * 8 })
        .unit(panel.unit === 'ms' ? 'ms' : 'short')
        .targets(panel.metrics.map((line, i) => query(line, i))),
    );
  });
  return board.build();
}

function buildSloBoard(): dashboard.Dashboard {
  const config = STAGE_CONFIGS.prod.slo;
  const board = base('risk-gate SLOs', 'risk-gate-slo');
  slos(config).forEach((slo, index) => {
    const bound =
      slo.id === 'DecisionLatency'
        ? config.decisionLatencyMs
        : slo.id === 'KillSwitchResponse'
          ? config.killSwitchMs
          : 0;
    // Percentile rank: the percent of decisions (engages) within the bound, the SLI itself.
    const statistic = bound > 0 ? `PR(:${bound})` : slo.id === 'MarketDataFreshness' ? 'Maximum' : 'Sum';
    board.withPanel(
      new timeseries.PanelBuilder()
        .id(index + 1)
        .title(`${slo.title}: ${slo.objective}`)
        .datasource(DATASOURCE)
        .gridPos({ h: 8, w: 12, x: (index % 2) * 12, y: Math.floor(index / 2) * 8 })
        .unit(bound > 0 ? 'percent' : slo.id === 'MarketDataFreshness' ? 'ms' : 'short')
        .targets([
          query(draw(slo.metric, 'Maximum', ['service']), 0)
            .statistic(statistic)
            .period('300'),
        ]),
    );
  });
  return board.build();
}

function query(line: PanelMetric, index: number): cloudwatch.MetricsQueryBuilder {
  const split = splitKeys(line);
  return (
    new cloudwatch.MetricsQueryBuilder()
      .refId(String.fromCharCode(65 + index))
      .queryMode(cloudwatch.QueryMode.Metrics)
      .metricQueryType(cloudwatch.MetricQueryType.Search)
      .metricEditorMode(cloudwatch.MetricEditorMode.Builder)
      .datasource(DATASOURCE)
      .namespace(NAMESPACE)
      .metricName(line.metric.name)
      .region('$region')
      .statistic(line.stat)
      .period('60')
      // The exact set the code emits: `service`, plus a wildcard per split key (one line per value).
      .dimensions({ ...SERVICE_DIMENSION, ...Object.fromEntries(split.map((key) => [key, '*'])) })
      .matchExact(true)
  );
}

/** The builder type a panel target takes, for tests that build queries. */
export type QueryBuilder = cog.Builder<cog.Dataquery>;
