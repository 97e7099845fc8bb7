import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleContainerEntries } from '../../shared/runtime/container-bundle.js';

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

export function bundleIngester(outdir: string): Promise<string[]> {
  return bundleContainerEntries(import.meta.dirname, INGESTER_ENTRY_POINTS, outdir);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const outdir = process.argv[2];
  if (!outdir) throw new Error('usage: tsx functions/market-ingester/bundle.ts OUTDIR');
  const files = await bundleIngester(path.resolve(outdir));
  process.stdout.write(`${files.join('\n')}\n`);
}
