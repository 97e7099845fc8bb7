import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

/**
 * Bundles the ingester for its container image: self-contained ESM files, no node_modules
 * at run time. One entry per thread or process: `main` (the service), `kinesis-worker`
 * (the thread that publishes to Kinesis; main finds it beside itself, see
 * shared/runtime/module-worker.ts) and `healthcheck` (the container health check).
 *
 * The Dockerfile runs this (`tsx functions/market-ingester/bundle.ts /out`) and the
 * ingester's integration test runs the same bundle, so what ships is what was tested.
 */
export const INGESTER_ENTRY_POINTS = ['main', 'kinesis-worker', 'healthcheck'] as const;

export async function bundleIngester(outdir: string): Promise<string[]> {
  const here = import.meta.dirname;
  const result = await build({
    entryPoints: INGESTER_ENTRY_POINTS.map((name) => path.join(here, `${name}.ts`)),
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    minify: true,
    sourcemap: true,
    outdir,
    outExtension: { '.js': '.mjs' },
    // Some dependencies still call require(); ESM output needs one.
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'warning',
    metafile: true,
  });
  return Object.keys(result.metafile.outputs).filter((file) => file.endsWith('.mjs'));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const outdir = process.argv[2];
  if (!outdir) throw new Error('usage: tsx functions/market-ingester/bundle.ts OUTDIR');
  const files = await bundleIngester(path.resolve(outdir));
  process.stdout.write(`${files.join('\n')}\n`);
}
