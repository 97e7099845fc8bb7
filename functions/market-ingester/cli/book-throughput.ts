import { readFileSync } from 'node:fs';
// Loaded first, as in the ingester: ioredis changes how V8 optimises string code (ascii.ts).
import '../../../shared/adapters/redis/client.js';
import { recordedBookLap } from '../test-support/recorded-book-lap.js';

/**
 * The book path's throughput and profile outside the benchmark runner (issue #16):
 *
 *   npx tsx functions/market-ingester/cli/book-throughput.ts [FILE.jsonl] [seconds]
 *   node --cpu-prof --cpu-prof-dir=DIR --import tsx functions/market-ingester/cli/book-throughput.ts FILE.jsonl 6 --ours-only
 *   npx tsx functions/market-ingester/cli/book-throughput.ts --top DIR/CPU.*.cpuprofile [rows]
 *
 * Replays the recording's book and instrument frames (default: the committed recording the
 * peers benchmark uses) through `parseKrakenFrame` and the `IngestPipeline` (sinks no-op), a
 * fresh pipeline per lap as in that benchmark, then `JSON.parse` alone over the same frames,
 * and prints book updates per second of this process's CPU time for both (CPU time, not wall
 * time: on the shared dev VM other processes take the core away from either side).
 * `--top` prints a profile's functions by self time.
 */
const DEFAULT_FILE = 'test/recordings/kraken-v2-fake-seed42.jsonl';

function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

function throughput(file: string, seconds: number, oursOnly: boolean): Record<string, number | string> {
  const { frames, lap } = recordedBookLap(file, 1_764_000_000_000);
  for (let i = 0; i < 20; i++) lap();
  let updates = 0;
  let started = cpuMs();
  while (cpuMs() - started < seconds * 1000) updates += lap();
  const ours = (updates / (cpuMs() - started)) * 1000;
  const result: Record<string, number | string> = {
    file,
    frames: frames.length,
    book_updates_per_cpu_s: Math.round(ours),
  };
  if (oursOnly) return result;
  const perLap = lap();
  let parsed = 0;
  updates = 0;
  started = cpuMs();
  while (cpuMs() - started < seconds * 1000) {
    for (const text of frames) parsed += (JSON.parse(text) as { channel: string }).channel.length;
    updates += perLap;
  }
  if (parsed === 0) throw new Error('parsed nothing');
  const floor = (updates / (cpuMs() - started)) * 1000;
  return { ...result, json_parse_updates_per_cpu_s: Math.round(floor), ratio: Number((ours / floor).toFixed(3)) };
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
}

/** Self time per function (name and file) of a V8 .cpuprofile, largest first. */
function top(file: string, rows: number): string[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)?.callFrame;
    const delta = profile.timeDeltas[i] ?? 0;
    total += delta;
    const key = `${frame?.functionName || '(anonymous)'} ${frame?.url.split('/').slice(-2).join('/') ?? ''}`;
    self.set(key, (self.get(key) ?? 0) + delta);
  });
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, rows)
    .map(([key, time]) => `${((100 * time) / total).toFixed(1).padStart(5)}%  ${key}`);
}

const args = process.argv.slice(2);
if (args[0] === '--top') {
  for (const line of top(args[1] ?? '', Number(args[2] ?? 20))) console.log(line);
} else {
  const positional = args.filter((arg) => !arg.startsWith('--'));
  console.log(
    JSON.stringify(throughput(positional[0] ?? DEFAULT_FILE, Number(positional[1] ?? 3), args.includes('--ours-only'))),
  );
}
