import { readdirSync, readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
    readonly columnNumber: number;
  };
  readonly children?: readonly number[];
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/**
 * Where the cold starts of one Lambda bundle spend their time, from the `.cpuprofile`s that
 * `BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR"` makes the lambda bench write (one per cold
 * start, docs/cold-start.md). Each sample counts for the npm package (or our source folder) of
 * the nearest frame in the bundle, found through the map shipped beside it; samples outside
 * the bundle are named by what Node was doing: compiling the bundle, loading built-in modules,
 * collecting garbage. Milliseconds are per cold start (the mean over the profiles). The
 * profiler samples wall time: on a loaded machine every figure grows, so compare shares.
 *
 *   npx tsx test/bench/support/cold-start-profile.ts DIR path/to/asset/index.mjs.map
 */
export function summariseColdStarts(dir: string, mapFile: string, top = 30): string {
  const map = new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8')) as SourceMapPayload);
  const bundle = path.basename(mapFile, '.map');
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  const spent = new Map<string, number>();
  const packageOf = (frame: ProfileNode['callFrame']): string => {
    const source = (map.findEntry(frame.lineNumber, frame.columnNumber) as { originalSource?: string }).originalSource;
    if (!source) return '(bundle: module wrappers, compiled when first run)';
    const npm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source);
    if (npm) return npm[1] as string;
    // Sources are relative to the asset directory: keep `functions/<unit>` or `shared/<area>`.
    return /(?:^|\/)((?:functions|shared)\/[^/]+)/.exec(source)?.[1] ?? source;
  };
  for (const file of files) {
    const profile = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as CpuProfile;
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
    profile.samples.forEach((id, i) => {
      const ms = (profile.timeDeltas[i] ?? 0) / 1000 / files.length;
      const leaf = (byId.get(id) as ProfileNode).callFrame;
      let key: string | undefined;
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const frame = (byId.get(at) as ProfileNode).callFrame;
        // Node 20 loads its fetch (undici) on first use of a fetch global: name who pays for it.
        if (frame.url.includes('undici')) key = 'node: undici (fetch globals, first use)';
        if (frame.url.endsWith(bundle)) {
          key ??= packageOf(frame);
          break;
        }
      }
      if (!key) {
        if (leaf.functionName === '(idle)') return;
        if (leaf.functionName === '(garbage collector)') key = 'node: garbage collection';
        else if (/modules\/esm\/(utils|translators)/.test(leaf.url)) key = 'node: parse and compile the bundle';
        else if (/bootstrap\/realm/.test(leaf.url)) key = 'node: load built-in modules';
        else key = 'node: other';
      }
      spent.set(key, (spent.get(key) ?? 0) + ms);
    });
  }
  const total = [...spent.values()].reduce((a, b) => a + b, 0);
  const rows = [...spent.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, ms]) => `${ms.toFixed(1).padStart(7)} ms ${((100 * ms) / total).toFixed(0).padStart(3)}%  ${key}`);
  return [`${files.length} cold starts, ${total.toFixed(1)} ms busy each (idle left out)`, ...rows].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [dir, mapFile] = process.argv.slice(2);
  if (!dir || !mapFile) throw new Error('usage: npx tsx test/bench/support/cold-start-profile.ts DIR index.mjs.map');
  console.log(summariseColdStarts(dir, mapFile));
}
