import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveStack } from './resolve-stack.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'resolve-stack-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Function: resolveStack', () => {
  it('maps a minified bundle trace (no --enable-source-maps) to the TypeScript file, line and function', async () => {
    // Prepare: a module bundled as the house Lambda is (ESM, minified, map without sources) that throws.
    const entry = path.join(dir, 'failing-handler.ts');
    writeFileSync(
      entry,
      [
        'export function priceOrder(qty: number): number {',
        '  if (qty > 1) throw new Error("too big");',
        '  return qty;',
        '}',
        'priceOrder(2);',
        '',
      ].join('\n'),
    );
    await build({
      entryPoints: [entry],
      bundle: true,
      format: 'esm',
      platform: 'node',
      minify: true,
      sourcemap: true,
      sourcesContent: false,
      outfile: path.join(dir, 'index.mjs'),
      logLevel: 'silent',
    });
    const trace = await promisify(execFile)(process.execPath, [path.join(dir, 'index.mjs')]).then(
      () => '',
      (error: { stderr: string }) => error.stderr,
    );
    const map = new SourceMap(JSON.parse(readFileSync(path.join(dir, 'index.mjs.map'), 'utf8')) as SourceMapPayload);

    // Act
    const resolved = resolveStack(trace, map);

    // Assess
    expect(trace).toMatch(/index\.mjs:1:\d+/);
    expect(resolved).toMatch(/failing-handler\.ts:2:\d+/);
  });
});
