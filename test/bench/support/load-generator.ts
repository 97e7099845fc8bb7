import http from 'node:http';
import { percentile, round3 } from '../../bench-utils.js';

/**
 * The one load generator of the HTTP figures (floor, risk API, load with faults): `concurrency`
 * clients, each on its own keep-alive connection, sending the next request as soon as the last
 * one answered (closed loop), for `durationMs` after `warmupMs` of untimed requests.
 */
export interface LoadOptions {
  readonly url: string;
  readonly path: string;
  readonly concurrency: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** The request body of the n-th request (unique order ids). */
  readonly body: (n: number) => string;
  /**
   * Sees every answer, warm-up included (`measured` false): the caller must still play
   * Kraken's part for a warm-up accept, or its reservation stays in the book.
   */
  readonly onAnswer?: (answer: Answer) => void;
  /** Called once when the warm-up ends and the measured window starts (e.g. to reset the server's counters). */
  readonly onMeasureStart?: () => void;
}

export interface Answer {
  readonly status: number;
  readonly text: string;
  /** performance.now() when the answer was complete. */
  readonly at: number;
  readonly latencyMs: number;
  /** Inside the measured window (not warm-up). */
  readonly measured: boolean;
}

export interface LoadFigures {
  readonly rps: number;
  readonly p50_ms: number;
  readonly p99_ms: number;
  readonly p999_ms: number;
  readonly requests: number;
  /** Answers with a 5xx status, and requests that got no HTTP answer at all. */
  readonly errors_5xx: number;
  readonly failed: number;
}

function send(agent: http.Agent, target: URL, path: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error('request timed out after 10 s')));
    req.on('error', reject);
    req.end(body);
  });
}

export async function drive(options: LoadOptions): Promise<LoadFigures> {
  const target = new URL(options.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  let n = 0;
  const latencies: number[] = [];
  let errors5xx = 0;
  let failed = 0;
  const started = performance.now();
  const measureFrom = started + options.warmupMs;
  const end = measureFrom + options.durationMs;
  const measureTimer = options.onMeasureStart ? setTimeout(options.onMeasureStart, options.warmupMs) : undefined;
  const client = async () => {
    for (;;) {
      const t = performance.now();
      if (t >= end) return;
      const body = options.body(n++);
      try {
        const { status, text } = await send(agent, target, options.path, body);
        const at = performance.now();
        const measured = t >= measureFrom && at <= end;
        if (measured) {
          latencies.push(at - t);
          if (status >= 500) errors5xx++;
        }
        options.onAnswer?.({ status, text, at, latencyMs: at - t, measured });
      } catch {
        if (t >= measureFrom) failed++;
        // A refused connection would otherwise spin: the real client backs off a little.
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, client));
  clearTimeout(measureTimer);
  agent.destroy();
  if (latencies.length === 0) throw new Error(`no answers from ${options.url}${options.path}`);
  return {
    rps: Math.round(latencies.length / (options.durationMs / 1000)),
    p50_ms: round3(percentile(latencies, 50)),
    p99_ms: round3(percentile(latencies, 99)),
    p999_ms: round3(percentile(latencies, 99.9)),
    requests: latencies.length,
    errors_5xx: errors5xx,
    failed,
  };
}
