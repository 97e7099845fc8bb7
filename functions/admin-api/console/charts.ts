/// <reference lib="dom" />
import { METRICS, ROUTES } from '../../../shared/names.js';
import type { MetricSeries } from '../desk-reads.js';
import type { AdminApiClient } from './api.js';
import { byId, el } from './dom.js';

/** A dashboard panel as dashboards/panels.ts describes it (injected at build, see build.ts). */
export interface ConsolePanel {
  readonly title: string;
  readonly unit: 'count' | 'ms';
  readonly metrics: readonly { readonly name: string; readonly stat: string; readonly dimension?: string }[];
}

declare const __CONSOLE_PANELS__: readonly ConsolePanel[];

/** The panels the desk watches first; the rest of the dashboard's list sits under "More panels". */
const DESK_METRICS = new Set<string>([
  METRICS.decisions,
  METRICS.decisionLatencyMs,
  METRICS.rejectReasons,
  METRICS.ingestDataAgeMs,
]);
const MINUTES = 15;
const PERIOD_SECONDS = 10;
const WIDTH = 360;
const HEIGHT = 120;
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22'];

/** Charts of the dashboards' panels from `GET /v1/admin/metrics` (CloudWatch in a stage, local metrics locally). */
export function startChartsView(api: AdminApiClient): () => Promise<void> {
  const panels = __CONSOLE_PANELS__;
  const desk = panels.filter((p) => p.metrics.some((m) => DESK_METRICS.has(m.name)));
  const more = panels.filter((p) => !desk.includes(p));
  const deskFigures = desk.map((panel) => figure(panel));
  byId('charts').replaceChildren(...deskFigures.map((f) => f.node));
  const moreFigures = more.map((panel) => figure(panel));
  const details = byId<HTMLDetailsElement>('more-charts');
  details.append(...moreFigures.map((f) => f.node));

  return async () => {
    const shown = details.open ? [...deskFigures, ...moreFigures] : deskFigures;
    await Promise.all(shown.map((f) => f.refresh(api)));
  };
}

function figure(panel: ConsolePanel) {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `${panel.title}: no data yet`);
  const legend = el('ul', { class: 'legend' });
  const node = el('figure', { class: 'chart', 'data-panel': panel.title }, el('figcaption', {}, panel.title));
  node.append(svg, legend);

  async function refresh(api: AdminApiClient): Promise<void> {
    const all: MetricSeries[] = [];
    for (const metric of panel.metrics) {
      const { dimension } = metric;
      const { body } = await api.get<{ series: MetricSeries[] }>(ROUTES.adminMetrics, {
        metric: metric.name,
        stat: metric.stat,
        dimension,
        minutes: String(MINUTES),
        period: String(PERIOD_SECONDS),
      });
      const named = panel.metrics.length > 1 || !dimension;
      for (const s of body.series) {
        all.push({
          label: named ? `${metric.name} ${metric.stat}${dimension ? ` ${s.label}` : ''}` : s.label,
          points: s.points,
        });
      }
    }
    draw(svg, legend, panel, all);
  }
  return { node, refresh };
}

function draw(svg: SVGSVGElement, legend: HTMLElement, panel: ConsolePanel, series: readonly MetricSeries[]): void {
  const points = series.flatMap((s) => s.points);
  if (points.length === 0) {
    svg.replaceChildren();
    svg.setAttribute('aria-label', `${panel.title}: no data in the last ${MINUTES} minutes`);
    legend.replaceChildren(el('li', {}, 'No data in this window.'));
    return;
  }
  const end = Date.now();
  const start = end - MINUTES * 60_000;
  const max = Math.max(1, ...points.map((p) => p.v));
  const x = (t: number) => ((t - start) / (end - start)) * WIDTH;
  const y = (v: number) => HEIGHT - 4 - (v / max) * (HEIGHT - 8);
  svg.replaceChildren(
    ...series.map((s, i) => {
      const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
      line.setAttribute('fill', 'none');
      line.setAttribute('stroke', COLOURS[i % COLOURS.length] ?? '#000');
      line.setAttribute('stroke-width', '1.5');
      line.setAttribute('points', s.points.map((p) => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' '));
      return line;
    }),
  );
  const latest = series.map((s) => `${s.label} ${formatValue(s.points.at(-1)?.v ?? 0, panel.unit)}`);
  svg.setAttribute('aria-label', `${panel.title}, latest: ${latest.join('; ')} (max ${formatValue(max, panel.unit)})`);
  legend.replaceChildren(
    ...series.map((s, i) => {
      const item = el('li', {}, `${s.label}: ${formatValue(s.points.at(-1)?.v ?? 0, panel.unit)}`);
      // Through CSSOM, not a style attribute: the console's CSP allows no inline styles.
      item.style.setProperty('--swatch', COLOURS[i % COLOURS.length] ?? '#000');
      return item;
    }),
  );
}

function formatValue(value: number, unit: 'count' | 'ms'): string {
  return unit === 'ms' ? `${value.toFixed(value < 10 ? 2 : 0)} ms` : String(Math.round(value * 100) / 100);
}
