/** Helpers for `*.bench.ts` files: latency sampling and percentiles. */

/** The p-th percentile (0-100) of `samples`, nearest-rank on a sorted copy. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) throw new Error('no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Rounds a figure for the results file (3 significant decimals is plenty). */
export function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/**
 * Times `fn` once per iteration with a high-resolution clock and returns per-call
 * microseconds, after `warmup` untimed calls so the JIT has settled.
 */
export function sampleMicros(fn: (i: number) => unknown, iterations: number, warmup = 10_000): number[] {
  for (let i = 0; i < warmup; i++) fn(i);
  const samples = new Array<number>(iterations);
  for (let i = 0; i < iterations; i++) {
    const start = process.hrtime.bigint();
    fn(i);
    samples[i] = Number(process.hrtime.bigint() - start) / 1_000;
  }
  return samples;
}

/** Calls per second of `fn` over `durationMs` of wall time (after warm-up). */
export function throughputPerSecond(fn: (i: number) => unknown, durationMs = 2_000, warmup = 10_000): number {
  for (let i = 0; i < warmup; i++) fn(i);
  let calls = 0;
  const start = performance.now();
  let now = start;
  while (now - start < durationMs) {
    for (let j = 0; j < 1_000; j++) fn(calls++);
    now = performance.now();
  }
  return (calls / (now - start)) * 1_000;
}
