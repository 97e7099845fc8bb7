import { execFileSync } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * `npm run bench`: runs every `*.bench.ts` in the repo, each in its own process (so one
 * benchmark's JIT state and garbage do not colour the next), and writes their figures to
 * bench-results.json as `{ "<group>": { "<figure>": number } }`, then prints the file.
 *
 * A bench file exports `group` (e.g. "risk") and a default async function returning its
 * named figures. Run one with `npm run bench -- risk` (a substring of the file path).
 */
const ROOT = path.resolve(import.meta.dirname, '..');
const SKIP = new Set(['node_modules', 'cdk.out', '.local', '.git']);

function findBenchFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (SKIP.has(entry)) continue;
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) found.push(...findBenchFiles(full));
    else if (entry.endsWith('.bench.ts')) found.push(full);
  }
  return found.sort();
}

const filter = process.argv[2];
if (process.argv[2] === '--run-one') {
  const file = process.argv[3] as string;
  const mod = (await import(path.resolve(file))) as {
    group: string;
    default: () => Promise<Record<string, number>>;
  };
  const figures = await mod.default();
  process.stdout.write(`\n@@BENCH@@${JSON.stringify({ group: mod.group, figures })}\n`);
  process.exit(0);
}

const files = findBenchFiles(ROOT).filter((file) => !filter || file.includes(filter));
if (files.length === 0) throw new Error(`no *.bench.ts found${filter ? ` matching "${filter}"` : ''}`);

const results: Record<string, unknown> = {
  generated_at: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpu_model: os.cpus()[0]?.model ?? 'unknown', node: process.version },
};
for (const file of files) {
  console.error(`bench: ${path.relative(ROOT, file)}`);
  const output = execFileSync(
    process.execPath,
    ['--import', 'tsx', '--expose-gc', path.join(ROOT, 'scripts', 'bench.ts'), '--run-one', file],
    {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const line = output.split('\n').find((l) => l.startsWith('@@BENCH@@'));
  if (!line) throw new Error(`${file} printed no result`);
  const { group, figures } = JSON.parse(line.slice('@@BENCH@@'.length)) as {
    group: string;
    figures: Record<string, number>;
  };
  results[group] = { ...((results[group] as Record<string, number> | undefined) ?? {}), ...figures };
}
const out = path.join(ROOT, 'bench-results.json');
writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
console.log(JSON.stringify(results, null, 2));
