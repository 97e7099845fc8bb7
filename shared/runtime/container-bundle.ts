import path from 'node:path';
import { build } from 'esbuild';

/**
 * Bundles a container service's entry points into self-contained ESM files (`<name>.mjs`
 * beside a source map), so the runtime image needs no node_modules. Each service's
 * bundle.ts names its entries; the Dockerfile and the service's integration test run the
 * same bundle, so what ships is what was tested.
 *
 * @param sourceDir the directory holding `<name>.ts` for each entry
 * @param entryNames one per thread or process the image starts
 * @param outdir where the `.mjs` files are written
 * @returns the paths of the `.mjs` files written
 */
export async function bundleContainerEntries(
  sourceDir: string,
  entryNames: readonly string[],
  outdir: string,
): Promise<string[]> {
  const result = await build({
    entryPoints: entryNames.map((name) => path.join(sourceDir, `${name}.ts`)),
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
