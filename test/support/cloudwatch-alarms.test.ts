import { describe, expect, it } from 'vitest';
import {
  evaluateAlarm,
  evaluateCompositeRule,
  evaluateExpression,
  MetricIndex,
  resolveRule,
  statistic,
  type Timeline,
} from './cloudwatch-alarms.js';
import type { EmfDataPoint } from './emf.js';

const point = (name: string, value: number, dimensions: Record<string, string> = { service: 'risk-gate' }) =>
  ({ namespace: 'RiskGate', name, dimensions, value, timestampMs: 0 }) satisfies EmfDataPoint;

/** `minutes` minutes, the last `tail` of them holding `tailPoints`, the others `points`. */
function timeline(minutes: number, points: EmfDataPoint[], tail = 0, tailPoints: EmfDataPoint[] = []): Timeline {
  return {
    minutes,
    runs: [
      { from: 0, to: minutes - tail, points },
      { from: minutes - tail, to: minutes, points: tailPoints },
    ],
  };
}

const alarm = (overrides: Record<string, unknown>) => ({
  Namespace: 'RiskGate',
  MetricName: 'AgeMs',
  Dimensions: [{ Name: 'service', Value: 'risk-gate' }],
  Statistic: 'Maximum',
  Period: 60,
  EvaluationPeriods: 2,
  Threshold: 5_000,
  ComparisonOperator: 'GreaterThanThreshold',
  ...overrides,
});

describe('Function: statistic', () => {
  it('computes the statistics the alarms use, percentiles by nearest rank and PR as CloudWatch defines it', () => {
    const values = [5, 10, 20, 40, 80];
    expect(statistic('Sum', values)).toBe(155);
    expect(statistic('Maximum', values)).toBe(80);
    expect(statistic('Minimum', values)).toBe(5);
    expect(statistic('SampleCount', values)).toBe(5);
    expect(statistic('p50', values)).toBe(20);
    expect(statistic('p99', values)).toBe(80);
    // Percent of values at or under 30: three of five.
    expect(statistic('PR(:30)', values)).toBe(60);
    expect(statistic('PR(10:40)', values)).toBe(40);
    expect(statistic('Sum', [])).toBeUndefined();
  });
});

describe('Function: evaluateAlarm', () => {
  it('reads only the exact dimension set: a per-symbol data point is not the {service} metric', () => {
    // Prepare
    const perSymbol = [point('AgeMs', 9_000, { service: 'risk-gate', symbol: 'BTC/USD' })];
    const index = new MetricIndex(timeline(10, perSymbol));
    // Act / Assess
    expect(evaluateAlarm(alarm({}), index)).toBe('INSUFFICIENT_DATA');
    expect(evaluateAlarm(alarm({ TreatMissingData: 'breaching' }), index)).toBe('ALARM');
    expect(evaluateAlarm(alarm({ TreatMissingData: 'notBreaching' }), index)).toBe('OK');
  });

  it('needs every evaluation period to breach, or DatapointsToAlarm of them', () => {
    // Prepare: one stale minute at the end of ten fresh ones.
    const index = new MetricIndex(timeline(10, [point('AgeMs', 100)], 1, [point('AgeMs', 9_000)]));
    // Act / Assess
    expect(evaluateAlarm(alarm({}), index)).toBe('OK');
    expect(evaluateAlarm(alarm({ EvaluationPeriods: 5, DatapointsToAlarm: 1 }), index)).toBe('ALARM');
    expect(evaluateAlarm(alarm({ EvaluationPeriods: 1 }), index)).toBe('ALARM');
  });

  it('aggregates a long period over all its minutes and evaluates metric math on it', () => {
    // Prepare: 54 minutes of a 6 ms decision, 6 minutes of a 50 ms one; an hour period.
    const index = new MetricIndex(timeline(60, [point('LatencyMs', 6)], 6, [point('LatencyMs', 50)]));
    const math = (threshold: number) => ({
      Metrics: [
        {
          Id: 'good',
          ReturnData: false,
          MetricStat: {
            Metric: {
              Namespace: 'RiskGate',
              MetricName: 'LatencyMs',
              Dimensions: [{ Name: 'service', Value: 'risk-gate' }],
            },
            Period: 3_600,
            Stat: 'PR(:30)',
          },
        },
        { Id: 'bad', Expression: '100 - good', ReturnData: true },
      ],
      EvaluationPeriods: 1,
      Threshold: threshold,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    // Act / Assess: 10% of the hour's decisions were slow.
    expect(evaluateAlarm(math(6), index)).toBe('ALARM');
    expect(evaluateAlarm(math(14.4), index)).toBe('OK');
  });
});

describe('Function: evaluateCompositeRule', () => {
  it('resolves the synthesised rule and combines the states of the alarms it names', () => {
    const rule = resolveRule({
      'Fn::Join': [
        '',
        ['(ALARM("', { 'Fn::GetAtt': ['LongA', 'Arn'] }, '") AND ALARM("', { 'Fn::GetAtt': ['ShortB', 'Arn'] }, '"))'],
      ],
    });
    expect(rule).toBe('(ALARM("LongA") AND ALARM("ShortB"))');
    expect(
      evaluateCompositeRule(
        rule,
        new Map([
          ['LongA', 'ALARM'],
          ['ShortB', 'ALARM'],
        ]),
      ),
    ).toBe('ALARM');
    expect(
      evaluateCompositeRule(
        rule,
        new Map([
          ['LongA', 'ALARM'],
          ['ShortB', 'OK'],
        ]),
      ),
    ).toBe('OK');
    expect(() => evaluateCompositeRule(rule, new Map([['LongA', 'ALARM']]))).toThrow(/ShortB/);
  });
});

describe('Function: evaluateExpression', () => {
  it('does the arithmetic of metric math and turns a missing operand into a missing value', () => {
    expect(evaluateExpression('100 - (a + b) / 2', { a: 10, b: 30 })).toBe(80);
    expect(evaluateExpression('100 - a', { a: undefined })).toBeUndefined();
  });
});
