import { NAMESPACE, PANELS, type Panel, SERVICE_DIMENSION } from './panels.js';

/**
 * Grafana dashboard JSON (CloudWatch data source) generated from {@link PANELS}.
 * `npm run dashboards` writes dashboards/grafana/risk-gate.json; a test fails when the
 * committed file differs from what this builds.
 */
export function buildGrafanaDashboard(): Record<string, unknown> {
  return {
    title: 'risk-gate',
    uid: 'risk-gate',
    tags: ['risk-gate', 'kraken'],
    timezone: 'utc',
    schemaVersion: 39,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    templating: {
      list: [
        { name: 'datasource', type: 'datasource', query: 'cloudwatch' },
        { name: 'region', type: 'custom', query: 'eu-west-1', current: { text: 'eu-west-1', value: 'eu-west-1' } },
      ],
    },
    panels: PANELS.map((panel, index) => grafanaPanel(panel, index)),
  };
}

function grafanaPanel(panel: Panel, index: number): Record<string, unknown> {
  return {
    id: index + 1,
    type: 'timeseries',
    title: panel.title,
    gridPos: { h: 8, w: 12, x: (index % 2) * 12, y: Math.floor(index / 2) * 8 },
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Grafana template variable, resolved by Grafana
    datasource: { type: 'cloudwatch', uid: '${datasource}' },
    fieldConfig: { defaults: { unit: panel.unit === 'ms' ? 'ms' : 'short' }, overrides: [] },
    targets: panel.metrics.map((metric, i) => ({
      refId: String.fromCharCode(65 + i),
      namespace: NAMESPACE,
      metricName: metric.name,
      region: '$region',
      statistic: metric.stat,
      period: '60',
      // Per-dimension series (decision, code, scope) come from a wildcard on that dimension.
      dimensions: { ...SERVICE_DIMENSION, ...(metric.dimension ? { [metric.dimension]: '*' } : {}) },
      matchExact: !metric.dimension,
    })),
  };
}
