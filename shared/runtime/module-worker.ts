import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread on an ES module. Bundled builds (the container image) point at the
 * emitted `.mjs` and start it directly. In development the module is TypeScript run by tsx,
 * whose loader a worker does not inherit on Node 20 (and vitest's transform never reaches
 * one), so the worker registers tsx itself before importing the module.
 */
export function startModuleWorker(moduleUrl: URL, options: WorkerOptions = {}): Worker {
  if (!moduleUrl.pathname.endsWith('.ts')) return new Worker(moduleUrl, options);
  const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(moduleUrl.href)}); })`;
  return new Worker(bootstrap, { ...options, eval: true });
}

/** The URL of a sibling module of `importMetaUrl`, with the extension this build runs on. */
export function siblingModule(importMetaUrl: string, basename: string): URL {
  const extension = new URL(importMetaUrl).pathname.endsWith('.ts') ? '.ts' : '.mjs';
  return new URL(`./${basename}${extension}`, importMetaUrl);
}
