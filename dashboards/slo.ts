import type { BurnWindow, SloConfig } from '../infra/config/stages.js';
import { CATALOGUE, type CatalogueMetric } from '../shared/metrics/catalogue.js';
import { alarmRunbook } from './panels.js';

/**
 * The SLOs of docs/slo.md as data: each SLI is a catalogue metric read under `{service}`,
 * and each SLO gets a fast and a slow multi-window burn-rate alarm (Google SRE workbook,
 * "Alerting on SLOs"): a window alarm per window, and a composite that pages when both the
 * long window (the budget really is burning) and the short one (it still is) breach.
 * infra/constructs/observability.ts turns these into CloudWatch alarms; the alarm test
 * evaluates them from the synthesised templates.
 */
export type SloId = 'DecisionLatency' | 'MarketDataFreshness' | 'KillSwitchResponse' | 'AuditRecordsLost';

/** How one window of a burn-rate alarm reads its SLI. */
export type BurnWindowAlarm =
  | {
      /**
       * Share of events slower than a bound, from CloudWatch's percentile rank `PR(:bound)` (the
       * percent of data points at or under the bound): `100 - PR` is the bad percent.
       */
      readonly kind: 'badPercent';
      readonly metric: CatalogueMetric;
      readonly boundMs: number;
      readonly periodSeconds: number;
      /** Bad percent above which the window burns at the alarm's rate. */
      readonly threshold: number;
    }
  | {
      /** Minutes whose Maximum is past a bound (or silent), counted over the window as M of N. */
      readonly kind: 'badMinutes';
      readonly metric: CatalogueMetric;
      readonly boundMs: number;
      readonly minutes: number;
      readonly badMinutesToAlarm: number;
    }
  | {
      /** A zero-budget SLO: any event in the window burns it. */
      readonly kind: 'anyEvent';
      readonly metric: CatalogueMetric;
      readonly periodSeconds: number;
    };

export interface BurnAlarmSpec {
  /** Composite alarm id; its window alarms are `<id>Long` and `<id>Short`. */
  readonly id: string;
  readonly slo: SloId;
  readonly speed: 'fast' | 'slow';
  readonly long: BurnWindowAlarm;
  readonly short: BurnWindowAlarm;
  readonly description: string;
  readonly runbook: string;
}

export interface SloSpec {
  readonly id: SloId;
  readonly title: string;
  readonly objective: string;
  readonly metric: CatalogueMetric;
  /** The error budget's share of events (or minutes) over 30 days; 0 for zero-loss SLOs. */
  readonly budget: number;
  readonly window: (w: BurnWindow, minutes: number) => BurnWindowAlarm;
}

/** The four SLOs with the stage's objectives. */
export function slos(config: SloConfig): SloSpec[] {
  const latencyBudget = 1 - config.decisionLatencyTarget;
  const freshBudget = 1 - config.freshMinutesTarget;
  const killBudget = 1 - config.killSwitchTarget;
  return [
    {
      id: 'DecisionLatency',
      title: 'Risk decision latency',
      objective: `${pct(config.decisionLatencyTarget)} of decisions within ${config.decisionLatencyMs} ms`,
      metric: CATALOGUE.decisionLatencyMs,
      budget: latencyBudget,
      window: (w, minutes) => ({
        kind: 'badPercent',
        metric: CATALOGUE.decisionLatencyMs,
        boundMs: config.decisionLatencyMs,
        periodSeconds: minutes * 60,
        threshold: round(w.burnRate * latencyBudget * 100),
      }),
    },
    {
      id: 'MarketDataFreshness',
      title: 'Market data freshness',
      objective: `${pct(config.freshMinutesTarget)} of minutes with every symbol fresher than ${config.marketDataMaxAgeMs / 1000} s`,
      metric: CATALOGUE.ingestDataAgeMs,
      budget: freshBudget,
      window: (w, minutes) => ({
        kind: 'badMinutes',
        metric: CATALOGUE.ingestDataAgeMs,
        boundMs: config.marketDataMaxAgeMs,
        minutes,
        badMinutesToAlarm: Math.max(1, Math.ceil(round(w.burnRate * freshBudget * minutes))),
      }),
    },
    {
      id: 'KillSwitchResponse',
      title: 'Kill switch engage to all cancels confirmed',
      objective: `${pct(config.killSwitchTarget)} of engages within ${config.killSwitchMs / 1000} s`,
      metric: CATALOGUE.killSwitchResponseMs,
      budget: killBudget,
      window: (w, minutes) => ({
        kind: 'badPercent',
        metric: CATALOGUE.killSwitchResponseMs,
        boundMs: config.killSwitchMs,
        periodSeconds: minutes * 60,
        threshold: round(w.burnRate * killBudget * 100),
      }),
    },
    {
      id: 'AuditRecordsLost',
      title: 'Audit records lost',
      objective: '0 decisions without an audit record in the spool or the audit table',
      metric: CATALOGUE.auditWriteFailures,
      budget: 0,
      window: (_w, minutes) => ({
        kind: 'anyEvent',
        metric: CATALOGUE.auditWriteFailures,
        periodSeconds: minutes * 60,
      }),
    },
  ];
}

/** The fast and slow burn-rate alarms of every SLO. */
export function burnAlarms(config: SloConfig): BurnAlarmSpec[] {
  return slos(config).flatMap((slo) =>
    (['fast', 'slow'] as const).map((speed) => {
      const w = speed === 'fast' ? config.fastBurn : config.slowBurn;
      const id = `Slo${slo.id}${speed === 'fast' ? 'Fast' : 'Slow'}Burn`;
      return {
        id,
        slo: slo.id,
        speed,
        long: slo.window(w, w.longMinutes),
        short: slo.window(w, w.shortMinutes),
        description:
          slo.budget === 0
            ? `${slo.title}: a record was lost within the last ${w.longMinutes} and ${w.shortMinutes} minutes (objective: ${slo.objective}).`
            : `${slo.title}: error budget burning ${w.burnRate}x too fast over ${w.longMinutes} and ${w.shortMinutes} minutes (objective: ${slo.objective}).`,
        runbook: alarmRunbook(id),
      };
    }),
  );
}

function pct(share: number): string {
  return `${round(share * 100)}%`;
}

/** Float noise off (14.4 * 0.01 * 100 is 14.400000000000002). */
function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
