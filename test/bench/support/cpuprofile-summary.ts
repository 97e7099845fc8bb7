import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/**
 * The largest `.cpuprofile` in `dir` (the main thread's: tsx's loader thread writes a small
 * one beside it) as text: the top functions by self time, then the
 * share of time under a few groups of code (by file) that say where a request's time goes.
 * `npx tsx test/bench/support/cpuprofile-summary.ts <dir>` prints it for any profile.
 */
export function summariseCpuProfile(dir: string, top = 30): string {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => path.join(dir, f))
    .sort((a, b) => statSync(b).size - statSync(a).size);
  const file = files[0];
  if (!file) return `no .cpuprofile in ${dir}`;
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] as number;
    const dt = profile.timeDeltas[i] ?? 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
    total += dt;
  }
  const label = (n: ProfileNode) => {
    const url = n.callFrame.url.replace(/^file:\/\//, '').replace(/^.*\/work\/main\//, '');
    return `${n.callFrame.functionName || '(anonymous)'} ${url ? `${url}:${n.callFrame.lineNumber + 1}` : ''}`.trim();
  };
  const self = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    self.set(label(node), (self.get(label(node)) ?? 0) + us);
  }
  // Inclusive time by group: a sample counts once for each group found on its stack.
  const groups: [name: string, test: (n: ProfileNode) => boolean][] = [
    ['(idle)', (n) => n.callFrame.functionName === '(idle)'],
    ['(garbage collector)', (n) => n.callFrame.functionName === '(garbage collector)'],
    ['ioredis', (n) => n.callFrame.url.includes('node_modules/ioredis')],
    ['redis-parser', (n) => n.callFrame.url.includes('redis-parser')],
    ['zod', (n) => n.callFrame.url.includes('node_modules/zod')],
    ['pg', (n) => /node_modules\/pg/.test(n.callFrame.url)],
    ['node:http', (n) => /node:_http|node:http/.test(n.callFrame.url)],
    ['router.ts', (n) => n.callFrame.url.includes('functions/risk-api/router.ts')],
    ['local-http.ts', (n) => n.callFrame.url.includes('shared/runtime/local-http.ts')],
    ['validate-order.ts', (n) => n.callFrame.url.includes('shared/domain/risk/validate-order.ts')],
    ['rules.ts', (n) => n.callFrame.url.includes('shared/domain/risk/rules.ts')],
    ['recorded-state.ts', (n) => n.callFrame.url.includes('shared/domain/risk/recorded-state.ts')],
    ['redis-risk-state.ts', (n) => n.callFrame.url.includes('adapters/redis-risk-state.ts')],
    ['decimal.ts', (n) => n.callFrame.url.includes('shared/domain/decimal.ts')],
    ['request-hash.ts', (n) => n.callFrame.url.includes('request-hash.ts')],
    ['JSON.stringify', (n) => n.callFrame.functionName === 'stringify'],
    ['JSON.parse', (n) => n.callFrame.functionName === 'parse' && n.callFrame.url === ''],
    ['server-stats.ts (bench)', (n) => n.callFrame.url.includes('server-stats.ts')],
  ];
  const inclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const node = byId.get(at);
      if (!node) break;
      for (const [name, test] of groups) if (!seen.has(name) && test(node)) seen.add(name);
    }
    for (const name of seen) inclusive.set(name, (inclusive.get(name) ?? 0) + us);
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)} %`;
  const lines = [`${file}: ${(total / 1e6).toFixed(2)} s sampled`, '', 'self time, top functions:'];
  for (const [name, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`${pct(us)}  ${name}`);
  lines.push('', 'inclusive time by group (a sample counts in every group on its stack):');
  for (const [name] of groups) lines.push(`${pct(inclusive.get(name) ?? 0)}  ${name}`);
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  console.log(summariseCpuProfile(path.resolve(process.argv[2] ?? '.'), Number(process.argv[3] ?? 30)));
}
