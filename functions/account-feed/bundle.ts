import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleContainerEntries } from '../../shared/runtime/container-bundle.js';

/**
 * Bundles the account feed for its container image: self-contained ESM files, no
 * node_modules at run time. `main` is the service, `healthcheck` the container health check.
 *
 * The Dockerfile runs this (`tsx functions/account-feed/bundle.ts /out`) and the bundle's
 * integration test (bundle.int.test.ts) runs the same output, so what ships is what was tested.
 */
export const ACCOUNT_FEED_ENTRY_POINTS = ['main', 'healthcheck'] as const;

export function bundleAccountFeed(outdir: string): Promise<string[]> {
  return bundleContainerEntries(import.meta.dirname, ACCOUNT_FEED_ENTRY_POINTS, outdir);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const outdir = process.argv[2];
  if (!outdir) throw new Error('usage: tsx functions/account-feed/bundle.ts OUTDIR');
  const files = await bundleAccountFeed(path.resolve(outdir));
  process.stdout.write(`${files.join('\n')}\n`);
}
