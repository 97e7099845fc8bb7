import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildSync } from 'esbuild';
import type { ConsolePanel } from './charts.js';

/** One file of the console as served: `index.html`, `console.js`, `console.css`, `config.json`. */
export interface ConsoleAsset {
  readonly contentType: string;
  readonly body: string;
}

const HERE = import.meta.dirname;

/**
 * Builds the console's static files: the TypeScript bundled for browsers by esbuild (no
 * framework, no runtime dependency), the page and its stylesheet as written. The dashboards'
 * panel list is passed in (dashboards/panels.ts, by the callers outside the unit) and baked
 * into the bundle, so the console charts exactly what the dashboards chart. `config.json`
 * (how to sign in) is not built here: local mode serves its own, a stage deploys its own.
 */
export function buildConsole(panels: readonly ConsolePanel[]): Map<string, ConsoleAsset> {
  // Synchronous: CDK's local bundling (infra/constructs/console.ts) cannot await.
  const bundle = buildSync({
    entryPoints: [path.join(HERE, 'main.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    // Only what the charts read of each panel (the catalogue entries carry their documentation too).
    define: {
      __CONSOLE_PANELS__: JSON.stringify(
        panels.map((p) => ({
          title: p.title,
          unit: p.unit,
          metrics: p.metrics.map((m) => ({ name: m.name, stat: m.stat, dimension: m.dimension })),
        })),
      ),
    },
    logLevel: 'silent',
  });
  const script = bundle.outputFiles[0]?.text;
  if (!script) throw new Error('esbuild produced no console bundle');
  return new Map<string, ConsoleAsset>([
    [
      'index.html',
      { contentType: 'text/html; charset=utf-8', body: readFileSync(path.join(HERE, 'index.html'), 'utf8') },
    ],
    [
      'console.css',
      { contentType: 'text/css; charset=utf-8', body: readFileSync(path.join(HERE, 'console.css'), 'utf8') },
    ],
    ['console.js', { contentType: 'text/javascript; charset=utf-8', body: script }],
  ]);
}

/** Writes built assets into a folder (the stage's bucket deployment reads it). */
export function writeConsole(outDir: string, assets: ReadonlyMap<string, ConsoleAsset>): void {
  mkdirSync(outDir, { recursive: true });
  for (const [name, asset] of assets) writeFileSync(path.join(outDir, name), asset.body);
}
