import { monitorEventLoopDelay, PerformanceObserver, performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';

/**
 * What the risk server spent per request in a window of the HTTP bench (issue #16): Redis
 * commands sent (every trip, the decide script's and any other), the decide script's replies
 * by status ('state' a read, 'moved' a commit that found the state moved and wrote nothing,
 * 'ok' a commit, 'stored' a replay), the decide trips of each validation (by its decision
 * id, the script's rate member), event-loop delay and utilisation, GC and CPU time. Counting
 * is a few map operations per trip, so the bench keeps it on: the figures it reports are
 * taken with it. Read (and reset) through `GET /__bench/stats` of support/risk-server.ts.
 */
export interface ServerStats {
  /** Validations answered 200 in the window. */
  readonly decisions: number;
  readonly redis_commands_per_decision: number;
  readonly decide_trips_per_decision: number;
  readonly decide_moved_per_decision: number;
  /** Mean time from sending a decide script to its reply (the script's run in Redis, the loopback, queueing). */
  readonly decide_trip_ms_mean: number;
  readonly decide_replies: Record<string, number>;
  /** Decisions by how many decide trips they took (index 10: 10 or more). */
  readonly decide_trips_histogram: number[];
  readonly decide_trips_p50: number;
  readonly decide_trips_p99: number;
  readonly event_loop_delay_p50_ms: number;
  readonly event_loop_delay_p99_ms: number;
  readonly event_loop_delay_max_ms: number;
  /** Share of the window the event loop was busy (0..1). */
  readonly event_loop_utilization: number;
  readonly gc_ms: number;
  readonly gc_count: number;
  /** CPU time of the process (user + system) per decision. */
  readonly cpu_us_per_decision: number;
  readonly window_ms: number;
}

/** Where in the decide script's arguments (18 keys first) the validation's rate member is. */
const RATE_MEMBER_ARG = 18 + 4;
const HISTOGRAM_TOP = 10;

export function instrumentServer(redis: Redis) {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  let gcMs = 0;
  let gcCount = 0;
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcMs += entry.duration;
      gcCount++;
    }
  });
  gc.observe({ entryTypes: ['gc'] });

  let commands = 0;
  const replies: Record<string, number> = {};
  /** Decide trips by rate member (the decision id), until the answer names it. */
  const tripsOf = new Map<string, number>();
  let tripHistogram = new Array<number>(HISTOGRAM_TOP + 1).fill(0);
  let decisions = 0;
  let tripMs = 0;

  const target = redis as unknown as {
    sendCommand: (...args: unknown[]) => unknown;
    riskDecide?: (...args: unknown[]) => Promise<unknown[] | null>;
  };
  const sendCommand = target.sendCommand.bind(redis);
  target.sendCommand = (...args: unknown[]) => {
    commands++;
    return sendCommand(...args);
  };
  const riskDecide = target.riskDecide?.bind(redis);
  if (!riskDecide) throw new Error('the risk state store did not define riskDecide on its Redis client');
  target.riskDecide = async (...args: unknown[]) => {
    const member = String(args[RATE_MEMBER_ARG]);
    tripsOf.set(member, (tripsOf.get(member) ?? 0) + 1);
    const sent = performance.now();
    const reply = await riskDecide(...args);
    tripMs += performance.now() - sent;
    const status = Array.isArray(reply) ? String(reply[0]) : 'null';
    replies[status] = (replies[status] ?? 0) + 1;
    return reply;
  };

  let startedAt = performance.now();
  let startedElu = performance.eventLoopUtilization();
  let startedCpu = process.cpuUsage();

  return {
    /** A validation answered 200 with this decision id. */
    answered(decisionId: string | undefined) {
      decisions++;
      const trips = decisionId === undefined ? 0 : (tripsOf.get(decisionId) ?? 0);
      if (decisionId !== undefined) tripsOf.delete(decisionId);
      tripHistogram[Math.min(trips, HISTOGRAM_TOP)] = (tripHistogram[Math.min(trips, HISTOGRAM_TOP)] ?? 0) + 1;
    },
    /** The window's figures; `reset` starts a new window. */
    read(reset: boolean): ServerStats {
      const windowMs = performance.now() - startedAt;
      const elu = performance.eventLoopUtilization(startedElu);
      const cpu = process.cpuUsage(startedCpu);
      const per = (n: number) => (decisions === 0 ? 0 : round3(n / decisions));
      const decideTrips = Object.values(replies).reduce((a, b) => a + b, 0);
      const stats: ServerStats = {
        decisions,
        redis_commands_per_decision: per(commands),
        decide_trips_per_decision: per(decideTrips),
        decide_moved_per_decision: per(replies.moved ?? 0),
        decide_trip_ms_mean: decideTrips === 0 ? 0 : round3(tripMs / decideTrips),
        decide_replies: { ...replies },
        decide_trips_histogram: [...tripHistogram],
        decide_trips_p50: histogramPercentile(tripHistogram, 50),
        decide_trips_p99: histogramPercentile(tripHistogram, 99),
        event_loop_delay_p50_ms: round3(histogram.percentile(50) / 1e6),
        event_loop_delay_p99_ms: round3(histogram.percentile(99) / 1e6),
        event_loop_delay_max_ms: round3(histogram.max / 1e6),
        event_loop_utilization: round3(elu.utilization),
        gc_ms: round3(gcMs),
        gc_count: gcCount,
        cpu_us_per_decision: per(cpu.user + cpu.system),
        window_ms: Math.round(windowMs),
      };
      if (reset) {
        histogram.reset();
        gcMs = 0;
        gcCount = 0;
        commands = 0;
        for (const key of Object.keys(replies)) delete replies[key];
        tripsOf.clear();
        tripHistogram = new Array<number>(HISTOGRAM_TOP + 1).fill(0);
        decisions = 0;
        tripMs = 0;
        startedAt = performance.now();
        startedElu = performance.eventLoopUtilization();
        startedCpu = process.cpuUsage();
      }
      return stats;
    },
  };
}

function histogramPercentile(counts: readonly number[], p: number): number {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return 0;
  const rank = Math.ceil((p / 100) * total);
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i] ?? 0;
    if (seen >= rank) return i;
  }
  return counts.length - 1;
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
