import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildGrafanaDashboard } from '../dashboards/grafana.js';

/** `npm run dashboards`: regenerates dashboards/grafana/risk-gate.json from dashboards/panels.ts. */
const out = path.resolve(import.meta.dirname, '..', 'dashboards', 'grafana', 'risk-gate.json');
writeFileSync(out, `${JSON.stringify(buildGrafanaDashboard(), null, 2)}\n`);
console.log(`wrote ${out}`);
