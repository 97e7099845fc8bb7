import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

/**
 * Bundles the account feed for its container image: self-contained ESM files, no
 * node_modules at run time. `main` is the service, `healthcheck` the container health check.
 *
 * The Dockerfile runs this (`tsx functions/account-feed/bundle.ts /out`) and the bundle's
 * integration test (bundle.int.test.ts) runs the same output, so what ships is what was tested.
 */
export const ACCOUNT_FEED_ENTRY_POINTS = ['main', 'healthcheck'] as const;

export async function bundleAccountFeed(outdir: string): Promise<string[]> {
  const here = import.meta.dirname;
  const result = await build({
    entryPoints: ACCOUNT_FEED_ENTRY_POINTS.map((name) => path.join(here, `${name}.ts`)),
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
  if (!outdir) throw new Error('usage: tsx functions/account-feed/bundle.ts OUTDIR');
  const files = await bundleAccountFeed(path.resolve(outdir));
  process.stdout.write(`${files.join('\n')}\n`);
}
