import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { METRICS } from '../shared/names.js';
import { buildGrafanaDashboard } from './grafana.js';
import { ALARMS, PANELS } from './panels.js';

describe('Dashboards', () => {
  it('shows every metric the code emits (names from shared/names.ts)', () => {
    const shown = new Set(PANELS.flatMap((panel) => panel.metrics.map((m) => m.name)));
    expect(Object.values(METRICS).filter((name) => !shown.has(name))).toEqual([]);
  });

  it('alarms only on metrics that exist, each with a runbook that exists', () => {
    const names = new Set<string>(Object.values(METRICS));
    for (const alarm of ALARMS) {
      expect(names.has(alarm.metric.name), alarm.id).toBe(true);
      const [file, anchor] = alarm.runbook.split('#') as [string, string | undefined];
      expect(() => readFileSync(path.resolve(import.meta.dirname, '..', file)), alarm.runbook).not.toThrow();
      if (anchor) {
        // A link to a renamed heading lands the on-call at the top of the page: check the slug.
        const text = readFileSync(path.resolve(import.meta.dirname, '..', file), 'utf8');
        const slugs = [...text.matchAll(/^#+ (.+)$/gm)].map((m) => githubSlug(m[1] as string));
        expect(slugs, alarm.runbook).toContain(anchor);
      }
    }
  });

  it('commits the Grafana dashboard exactly as generated (run `npm run dashboards` after a change)', () => {
    const committed = JSON.parse(readFileSync(path.resolve(import.meta.dirname, 'grafana', 'risk-gate.json'), 'utf8'));
    expect(committed).toEqual(buildGrafanaDashboard());
  });

  it('queries the CloudWatch namespace and service dimension the code publishes under', () => {
    const dashboard = buildGrafanaDashboard() as {
      panels: { targets: { namespace: string; dimensions: Record<string, string> }[] }[];
    };
    for (const target of dashboard.panels.flatMap((p) => p.targets)) {
      expect(target.namespace).toBe('RiskGate');
      expect(target.dimensions.service).toBe('risk-gate');
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
