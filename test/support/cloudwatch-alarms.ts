import type { EmfDataPoint } from './emf.js';

/**
 * CloudWatch alarm evaluation, as far as the custom-metric alarms of the templates use it:
 * a metric is its namespace, name and EXACT dimension set; a period aggregates the data
 * points that fall in it with the alarm's statistic (Sum, Average, Minimum, Maximum,
 * SampleCount, pNN, PR(a:b)); metric math combines the periods of its metrics; the alarm is
 * ALARM when at least DatapointsToAlarm of its last EvaluationPeriods periods breach, missing
 * periods counted as TreatMissingData says; a composite alarm evaluates its rule over the
 * states of the alarms it names. Times are whole minutes: the timeline is an array of minutes,
 * the last one the most recent, and the alarm is evaluated at its end.
 */

/** A CloudFormation resource as synthesised (Type and Properties). */
export interface CfnResource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
}

export type AlarmState = 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';

/**
 * A stretch of time in whole minutes, as runs: minutes [from, to) each hold `points` (a unit
 * reporting the same every minute is one run, however long). Minute 0 is the oldest; the
 * alarm is evaluated at the end of minute `minutes - 1`.
 */
export interface Timeline {
  readonly minutes: number;
  readonly runs: readonly { readonly from: number; readonly to: number; readonly points: readonly EmfDataPoint[] }[];
}

interface MetricRef {
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: Record<string, string>;
}

/** Index of a timeline by metric (namespace, name, exact dimension set): each run's values per metric. */
export class MetricIndex {
  private readonly runs: { from: number; to: number; values: Map<string, number[]> }[];

  constructor(readonly timeline: Timeline) {
    this.runs = timeline.runs.map((run) => {
      const values = new Map<string, number[]>();
      for (const p of run.points) {
        const key = metricKey({ namespace: p.namespace, name: p.name, dimensions: { ...p.dimensions } });
        values.set(key, [...(values.get(key) ?? []), p.value]);
      }
      return { from: run.from, to: run.to, values };
    });
  }

  /** Values of one metric in minutes [from, to): each minute of a run contributes the run's values. */
  values(ref: MetricRef, from: number, to: number): number[] {
    const key = metricKey(ref);
    const out: number[] = [];
    for (const run of this.runs) {
      const overlap = Math.min(to, run.to) - Math.max(from, run.from);
      const values = run.values.get(key);
      if (overlap <= 0 || !values) continue;
      for (let i = 0; i < overlap; i++) out.push(...values);
    }
    return out;
  }
}

function metricKey(ref: MetricRef): string {
  const dims = Object.entries(ref.dimensions)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return `${ref.namespace}|${ref.name}|${dims}`;
}

/** One statistic over a period's values; undefined when the period has no data. */
export function statistic(stat: string, values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  switch (stat) {
    case 'Sum':
      return values.reduce((a, b) => a + b, 0);
    case 'Average':
      return values.reduce((a, b) => a + b, 0) / values.length;
    case 'Minimum':
      return sorted[0];
    case 'Maximum':
      return sorted[sorted.length - 1];
    case 'SampleCount':
      return values.length;
  }
  const percentile = /^p(\d+(?:\.\d+)?)$/i.exec(stat);
  if (percentile) {
    // Nearest rank: the smallest value with at least p% of the data at or under it.
    const rank = Math.ceil((Number(percentile[1]) / 100) * sorted.length);
    return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
  }
  const rank = /^PR\(([^:]*):([^)]*)\)$/i.exec(stat);
  if (rank) {
    // Percentile rank: percent of data points in (low, high] (an open end is unbounded).
    const low = rank[1] === '' ? Number.NEGATIVE_INFINITY : Number(rank[1]);
    const high = rank[2] === '' ? Number.POSITIVE_INFINITY : Number(rank[2]);
    return (100 * values.filter((v) => v > low && v <= high).length) / values.length;
  }
  throw new Error(`statistic ${stat} is not modelled`);
}

interface CfnDimension {
  Name: string;
  Value: string;
}

interface CfnMetricStat {
  Metric: { Namespace: string; MetricName: string; Dimensions?: CfnDimension[] };
  Period: number;
  Stat: string;
}

interface CfnMetricQuery {
  Id: string;
  Expression?: string;
  MetricStat?: CfnMetricStat;
  ReturnData?: boolean;
}

const dimensionsOf = (dims: CfnDimension[] | undefined) =>
  Object.fromEntries((dims ?? []).map((d) => [d.Name, d.Value]));

/** The metrics an alarm reads (for coverage and mutation), as namespace/name/dimensions. */
export function metricsOfAlarm(props: Record<string, unknown>): MetricRef[] {
  if (typeof props.MetricName === 'string') {
    return [
      {
        namespace: props.Namespace as string,
        name: props.MetricName,
        dimensions: dimensionsOf(props.Dimensions as CfnDimension[]),
      },
    ];
  }
  return ((props.Metrics as CfnMetricQuery[] | undefined) ?? [])
    .filter((q) => q.MetricStat)
    .map((q) => {
      const m = (q.MetricStat as CfnMetricStat).Metric;
      return { namespace: m.Namespace, name: m.MetricName, dimensions: dimensionsOf(m.Dimensions) };
    });
}

/** The value of each of the alarm's last evaluation periods (oldest first); undefined = missing. */
export function periodValues(props: Record<string, unknown>, index: MetricIndex): (number | undefined)[] {
  const end = index.timeline.minutes;
  const evaluationPeriods = Number(props.EvaluationPeriods);
  if (typeof props.MetricName === 'string') {
    const minutes = Number(props.Period) / 60;
    const stat = (props.ExtendedStatistic ?? props.Statistic) as string;
    const ref = metricsOfAlarm(props)[0] as MetricRef;
    return range(evaluationPeriods).map((i) => {
      const to = end - (evaluationPeriods - 1 - i) * minutes;
      return statistic(stat, index.values(ref, to - minutes, to));
    });
  }
  const queries = props.Metrics as CfnMetricQuery[];
  const output = queries.find((q) => q.ReturnData !== false && q.Expression);
  if (!output?.Expression) throw new Error('a metric math alarm without a returned expression');
  return range(evaluationPeriods).map((i) => {
    const scope: Record<string, number | undefined> = {};
    for (const q of queries) {
      if (!q.MetricStat) continue;
      const minutes = q.MetricStat.Period / 60;
      const to = end - (evaluationPeriods - 1 - i) * minutes;
      const m = q.MetricStat.Metric;
      const ref = { namespace: m.Namespace, name: m.MetricName, dimensions: dimensionsOf(m.Dimensions) };
      scope[q.Id] = statistic(q.MetricStat.Stat, index.values(ref, to - minutes, to));
    }
    return evaluateExpression(output.Expression as string, scope);
  });
}

/** The state of a metric alarm at the end of the timeline. */
export function evaluateAlarm(props: Record<string, unknown>, index: MetricIndex): AlarmState {
  const values = periodValues(props, index);
  const threshold = Number(props.Threshold);
  const toAlarm = Number(props.DatapointsToAlarm ?? props.EvaluationPeriods);
  const treatMissing = (props.TreatMissingData as string | undefined) ?? 'missing';
  const breaches = (v: number) => {
    switch (props.ComparisonOperator) {
      case 'GreaterThanThreshold':
        return v > threshold;
      case 'GreaterThanOrEqualToThreshold':
        return v >= threshold;
      case 'LessThanThreshold':
        return v < threshold;
      case 'LessThanOrEqualToThreshold':
        return v <= threshold;
      default:
        throw new Error(`comparison ${String(props.ComparisonOperator)} is not modelled`);
    }
  };
  let breaching = 0;
  let present = 0;
  for (const v of values) {
    if (v === undefined) {
      if (treatMissing === 'breaching') breaching++;
      if (treatMissing === 'breaching' || treatMissing === 'notBreaching') present++;
      continue;
    }
    present++;
    if (breaches(v)) breaching++;
  }
  if (breaching >= toAlarm) return 'ALARM';
  return present === 0 ? 'INSUFFICIENT_DATA' : 'OK';
}

/**
 * A composite rule such as `(ALARM("<id>") AND ALARM("<id>"))`, the ids being the logical
 * ids the template's Fn::GetAtt named, evaluated over the states given.
 */
export function evaluateCompositeRule(rule: string, states: ReadonlyMap<string, AlarmState>): AlarmState {
  const tokens = rule.match(/ALARM\("[^"]+"\)|OK\("[^"]+"\)|AND|OR|NOT|\(|\)|TRUE|FALSE/g) ?? [];
  let position = 0;
  const peek = () => tokens[position];
  const next = () => tokens[position++];
  const primary = (): boolean => {
    const token = next();
    if (token === '(') {
      const value = or();
      next();
      return value;
    }
    if (token === 'NOT') return !primary();
    if (token === 'TRUE') return true;
    if (token === 'FALSE') return false;
    const match = /^(ALARM|OK)\("([^"]+)"\)$/.exec(token ?? '');
    if (!match) throw new Error(`composite rule token ${token} is not modelled`);
    const state = states.get(match[2] as string);
    if (!state) throw new Error(`composite rule names ${match[2]}, which is not an alarm of the template`);
    return state === match[1];
  };
  const and = (): boolean => {
    let value = primary();
    while (peek() === 'AND') {
      next();
      value = primary() && value;
    }
    return value;
  };
  const or = (): boolean => {
    let value = and();
    while (peek() === 'OR') {
      next();
      value = and() || value;
    }
    return value;
  };
  return or() ? 'ALARM' : 'OK';
}

/** Resolves the Fn::Join / Fn::GetAtt of a synthesised composite rule to a string of logical ids. */
export function resolveRule(rule: unknown): string {
  if (typeof rule === 'string') return rule;
  if (rule && typeof rule === 'object') {
    const r = rule as Record<string, unknown>;
    if (Array.isArray(r['Fn::Join'])) {
      const [sep, parts] = r['Fn::Join'] as [string, unknown[]];
      return parts.map(resolveRule).join(sep);
    }
    if (Array.isArray(r['Fn::GetAtt'])) return String((r['Fn::GetAtt'] as unknown[])[0]);
  }
  throw new Error(`composite rule part ${JSON.stringify(rule)} is not modelled`);
}

/** Arithmetic of metric math: ids, numbers, + - * / and parentheses; missing in, missing out. */
export function evaluateExpression(expression: string, scope: Record<string, number | undefined>): number | undefined {
  const tokens = expression.match(/\d+(?:\.\d+)?|[A-Za-z_][A-Za-z0-9_]*|[-+*/()]/g) ?? [];
  let position = 0;
  let missing = false;
  const next = () => tokens[position++];
  const peek = () => tokens[position];
  const factor = (): number => {
    const token = next();
    if (token === '(') {
      const value = sum();
      next();
      return value;
    }
    if (token === '-') return -factor();
    if (token !== undefined && /^\d/.test(token)) return Number(token);
    if (token !== undefined && token in scope) {
      const value = scope[token];
      if (value === undefined) missing = true;
      return value ?? 0;
    }
    throw new Error(`metric math token ${token} in "${expression}" is not modelled`);
  };
  const product = (): number => {
    let value = factor();
    while (peek() === '*' || peek() === '/') value = next() === '*' ? value * factor() : value / factor();
    return value;
  };
  const sum = (): number => {
    let value = product();
    while (peek() === '+' || peek() === '-') value = next() === '+' ? value + product() : value - product();
    return value;
  };
  const value = sum();
  return missing ? undefined : value;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
