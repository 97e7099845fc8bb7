import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * `npm run bench`: runs every `*.bench.ts` in the repo, each in its own process (so one
 * benchmark's JIT state and garbage do not colour the next), and writes their figures to
 * bench-results.json as `{ "<group>": { "<figure>": number } }`, then prints the file.
 *
 * A bench file exports `group` (e.g. "risk") and a default async function returning its
 * named figures (a figure that could not be measured is `null`, never a made-up number; it
 * may push why onto an exported `notes` array). Run some with `npm run bench -- risk` (a
 * substring of the file path): their groups replace those in bench-results.json, the rest
 * are kept, and the ratios are computed again over the lot.
 *
 * After every group ran, `ratios` (issue #16): each of our figures over the floor or the
 * peer measured in the same run, with its goal and whether it held (docs/benchmarks.md).
 * A ratio whose inputs are missing is `null`.
 *
 * Files named `*.load.bench.ts` (the load test with faults, minutes long) run only when the
 * filter names them: `npm run bench -- load`.
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
    notes?: string[];
    default: () => Promise<Record<string, number | null>>;
  };
  const figures = await mod.default();
  process.stdout.write(`\n@@BENCH@@${JSON.stringify({ group: mod.group, figures, notes: mod.notes ?? [] })}\n`);
  process.exit(0);
}

type Figures = Record<string, number | null>;

/** A ratio of issue #16: ours over the floor or peer, from two figures of the same run. */
interface RatioSpec {
  readonly name: string;
  readonly numerator: readonly [group: string, figure: string];
  readonly denominator: readonly [group: string, figure: string];
  /** `max`: the ratio must stay at or under `goal` (a cost); `min`: at or over it (a speed). */
  readonly goal: { readonly kind: 'max' | 'min'; readonly value: number };
}

const RATIOS: readonly RatioSpec[] = [
  {
    name: 'risk_http_p50_over_floor',
    numerator: ['http', 'risk_c16_p50_ms'],
    denominator: ['http', 'floor_c16_p50_ms'],
    goal: { kind: 'max', value: 1.5 },
  },
  {
    name: 'risk_http_p99_over_floor',
    numerator: ['http', 'risk_c16_p99_ms'],
    denominator: ['http', 'floor_c16_p99_ms'],
    goal: { kind: 'max', value: 2 },
  },
  {
    name: 'ingest_over_json_parse',
    numerator: ['ingest', 'book_updates_per_s'],
    denominator: ['ingest', 'json_parse_updates_per_s'],
    goal: { kind: 'min', value: 0.3 },
  },
  {
    name: 'evaluator_over_decode',
    numerator: ['evaluator', 'events_per_s'],
    denominator: ['evaluator', 'decode_events_per_s'],
    goal: { kind: 'min', value: 0.25 },
  },
  {
    name: 'evaluate_speedup_vs_nautilus',
    numerator: ['peers', 'evaluate_orders_per_s'],
    denominator: ['peers', 'nautilus_orders_per_s'],
    goal: { kind: 'min', value: 3 },
  },
  {
    name: 'book_speedup_vs_python_kraken_sdk',
    numerator: ['peers', 'book_updates_per_s'],
    denominator: ['peers', 'python_kraken_sdk_updates_per_s'],
    goal: { kind: 'min', value: 10 },
  },
];

function figure(results: Record<string, unknown>, [group, name]: readonly [string, string]): number | null {
  const value = (results[group] as Figures | undefined)?.[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** The `ratios` group and, beside it, each ratio's goal and whether it held (null: not measured). */
function computeRatios(results: Record<string, unknown>) {
  const ratios: Figures = {};
  const goals: Record<string, { goal: string; held: boolean | null; from: string }> = {};
  for (const spec of RATIOS) {
    const top = figure(results, spec.numerator);
    const bottom = figure(results, spec.denominator);
    const ratio = top !== null && bottom !== null && bottom > 0 ? Math.round((top / bottom) * 1000) / 1000 : null;
    ratios[spec.name] = ratio;
    goals[spec.name] = {
      goal: `${spec.goal.kind === 'max' ? '<=' : '>='} ${spec.goal.value}`,
      held: ratio === null ? null : spec.goal.kind === 'max' ? ratio <= spec.goal.value : ratio >= spec.goal.value,
      from: `${spec.numerator.join('.')} / ${spec.denominator.join('.')}`,
    };
  }
  return { ratios, goals };
}

const isLoad = (file: string) => file.endsWith('.load.bench.ts');
const files = findBenchFiles(ROOT).filter((file) => (filter ? file.includes(filter) : !isLoad(file)));
if (files.length === 0) throw new Error(`no *.bench.ts found${filter ? ` matching "${filter}"` : ''}`);

const out = path.join(ROOT, 'bench-results.json');
// A filtered run replaces its own groups and keeps the others' figures (and notes) from the file.
const earlier: Record<string, unknown> =
  filter && existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>) : {};
const ranGroups = new Set<string>();
const notes: Record<string, string[]> = { ...((earlier.notes as Record<string, string[]> | undefined) ?? {}) };
const results: Record<string, unknown> = {
  ...earlier,
  generated_at: new Date().toISOString(),
  machine: {
    cpus: os.cpus().length,
    cpu_model: os.cpus()[0]?.model ?? 'unknown',
    node: process.version,
    // The machine is shared: its load when the run started says how much the figures are worth.
    loadavg_1m_at_start: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
  },
};
// A file that fails does not take the others' figures with it: it is named in notes.failed,
// its group gets no new figures from this run, and the command exits non-zero at the end.
const failed: string[] = [];
for (const file of files) {
  const relative = path.relative(ROOT, file);
  console.error(`bench: ${relative}`);
  let output: string;
  try {
    output = execFileSync(
      process.execPath,
      ['--import', 'tsx', '--expose-gc', path.join(ROOT, 'scripts', 'bench.ts'), '--run-one', file],
      {
        cwd: ROOT,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        maxBuffer: 64 * 1024 * 1024,
      },
    );
  } catch (error) {
    failed.push(
      `${relative}: exited with status ${(error as { status?: number }).status ?? 'unknown'} (its stderr above)`,
    );
    continue;
  }
  const line = output.split('\n').find((l) => l.startsWith('@@BENCH@@'));
  if (!line) {
    failed.push(`${relative}: printed no result`);
    continue;
  }
  const parsed = JSON.parse(line.slice('@@BENCH@@'.length)) as { group: string; figures: Figures; notes: string[] };
  const { group, figures } = parsed;
  // Several files may feed one group: the first of the run starts it afresh.
  const before = ranGroups.has(group) ? ((results[group] as Figures | undefined) ?? {}) : {};
  if (!ranGroups.has(group)) notes[group] = [];
  ranGroups.add(group);
  results[group] = { ...before, ...figures };
  notes[group] = [...(notes[group] ?? []), ...parsed.notes];
}
notes.failed = failed;
for (const [group, list] of Object.entries(notes)) if (list.length === 0) delete notes[group];
const { ratios, goals } = computeRatios(results);
results.ratios = ratios;
results.ratio_goals = goals;
results.notes = notes;
results.machine = {
  ...(results.machine as object),
  loadavg_1m_at_end: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
};
writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
console.log(JSON.stringify(results, null, 2));
if (failed.length > 0) {
  console.error(`bench: ${failed.length} file(s) failed:\n  ${failed.join('\n  ')}`);
  process.exitCode = 1;
}
