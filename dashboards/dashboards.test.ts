import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { STAGE_CONFIGS } from '../infra/config/stages.js';
import { CATALOGUE_ENTRIES, catalogueEntry } from '../shared/metrics/catalogue.js';
import { buildGrafanaDashboards } from './grafana.js';
import { renderMetricsDoc } from './metrics-doc.js';
import { ALARMS, PANELS } from './panels.js';
import { burnAlarms } from './slo.js';

/** The dimension keys of a query, as a sorted list, to compare with the catalogue's sets. */
const keysOf = (dimensions: Record<string, unknown>) => Object.keys(dimensions).sort().join(',');
const declared = (name: string) => (catalogueEntry(name)?.dimensionSets ?? []).map((set) => [...set].sort().join(','));

interface GrafanaTarget {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  matchExact: boolean;
  statistic: string;
}

describe('Dashboards', () => {
  it('shows every metric of the catalogue', () => {
    const shown = new Set(PANELS.flatMap((panel) => panel.metrics.map((m) => m.metric.name)));
    expect(CATALOGUE_ENTRIES.map((m) => m.name).filter((name) => !shown.has(name))).toEqual([]);
  });

  it('draws each metric under a dimension set the catalogue declares for it', () => {
    for (const line of PANELS.flatMap((panel) => panel.metrics)) {
      expect(declared(line.metric.name), line.metric.name).toContain([...line.dimensions].sort().join(','));
    }
  });

  it('alarms on the {service} series of catalogue metrics only, each with a runbook that exists', () => {
    const runbooks = [...ALARMS, ...burnAlarms(STAGE_CONFIGS.prod.slo)].map((a) => a.runbook);
    for (const alarm of ALARMS) expect(declared(alarm.metric.metric.name), alarm.id).toContain('service');
    for (const runbook of runbooks) {
      const [file, anchor] = runbook.split('#') as [string, string | undefined];
      const text = readFileSync(path.resolve(import.meta.dirname, '..', file), 'utf8');
      if (anchor) {
        // A link to a renamed heading lands the on-call at the top of the page: check the slug.
        const slugs = [...text.matchAll(/^#+ (.+)$/gm)].map((m) => githubSlug(m[1] as string));
        expect(slugs, runbook).toContain(anchor);
      }
    }
  });

  it('commits the Grafana dashboards exactly as generated (run `npm run dashboards` after a change)', () => {
    for (const { file, dashboard } of buildGrafanaDashboards()) {
      const committed = JSON.parse(readFileSync(path.resolve(import.meta.dirname, 'grafana', file), 'utf8'));
      expect(committed, file).toEqual(JSON.parse(JSON.stringify(dashboard)));
    }
  });

  it('commits docs/metrics.md exactly as rendered from the catalogue (run `npm run dashboards` after a change)', () => {
    const committed = readFileSync(path.resolve(import.meta.dirname, '..', 'docs', 'metrics.md'), 'utf8');
    expect(committed).toBe(renderMetricsDoc());
  });

  it('queries, in every Grafana panel, a catalogue metric under exactly a dimension set the code emits', () => {
    const targets = buildGrafanaDashboards().flatMap(({ dashboard }) =>
      (dashboard.panels ?? []).flatMap((p) =>
        'targets' in p ? ((p.targets ?? []) as unknown as GrafanaTarget[]) : [],
      ),
    );
    expect(targets.length).toBeGreaterThan(PANELS.length);
    for (const target of targets) {
      expect(target.namespace).toBe('RiskGate');
      expect(target.dimensions.service).toBe('risk-gate');
      expect(target.matchExact, target.metricName).toBe(true);
      expect(declared(target.metricName), target.metricName).toContain(keysOf(target.dimensions));
    }
  });
});

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
function githubSlug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}
