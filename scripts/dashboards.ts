import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildGrafanaDashboards } from '../dashboards/grafana.js';

/** `npm run dashboards`: regenerates dashboards/grafana/*.json from dashboards/panels.ts and dashboards/slo.ts. */
for (const { file, dashboard } of buildGrafanaDashboards()) {
  const out = path.resolve(import.meta.dirname, '..', 'dashboards', 'grafana', file);
  writeFileSync(out, `${JSON.stringify(dashboard, null, 2)}\n`);
  console.log(`wrote ${out}`);
}
