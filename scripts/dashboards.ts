import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildGrafanaDashboards } from '../dashboards/grafana.js';
import { renderMetricsDoc } from '../dashboards/metrics-doc.js';

/**
 * `npm run dashboards`: regenerates dashboards/grafana/*.json from dashboards/panels.ts and
 * dashboards/slo.ts, and docs/metrics.md from the metric catalogue.
 */
const root = path.resolve(import.meta.dirname, '..');
for (const { file, dashboard } of buildGrafanaDashboards()) {
  const out = path.join(root, 'dashboards', 'grafana', file);
  writeFileSync(out, `${JSON.stringify(dashboard, null, 2)}\n`);
  console.log(`wrote ${out}`);
}
const doc = path.join(root, 'docs', 'metrics.md');
writeFileSync(doc, renderMetricsDoc());
console.log(`wrote ${doc}`);
