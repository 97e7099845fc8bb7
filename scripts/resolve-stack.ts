import { readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { pathToFileURL } from 'node:url';

/**
 * Maps the minified positions of a stack trace back to the TypeScript sources, for the
 * functions that run without `--enable-source-maps` (the risk API: see
 * FunctionWithLogGroupProps.runtimeSourceMaps). The map ships beside the bundle in the
 * function's code (index.mjs.map; `npm run synth` writes it under cdk.out/asset.*).
 *
 *   npx tsx scripts/resolve-stack.ts path/to/index.mjs.map < trace.txt
 */
export function resolveStack(trace: string, map: SourceMap): string {
  return trace.replace(/index\.mjs:(\d+):(\d+)/g, (whole, line: string, column: string) => {
    const entry = map.findEntry(Number(line) - 1, Number(column) - 1) as {
      originalSource?: string;
      originalLine?: number;
      originalColumn?: number;
      name?: string;
    };
    if (!entry.originalSource) return whole;
    const source = entry.originalSource.replace(/^(\.\.\/)+/, '');
    const position = `${source}:${(entry.originalLine ?? 0) + 1}:${(entry.originalColumn ?? 0) + 1}`;
    return entry.name ? `${position} (${entry.name})` : position;
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const mapFile = process.argv[2];
  if (!mapFile) throw new Error('usage: npx tsx scripts/resolve-stack.ts path/to/index.mjs.map < trace.txt');
  const map = new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8')) as SourceMapPayload);
  process.stdout.write(resolveStack(readFileSync(0, 'utf8'), map));
}
