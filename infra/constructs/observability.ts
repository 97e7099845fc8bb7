import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import {
  ALARMS,
  type AlarmMetric,
  NAMESPACE,
  PANELS,
  type PanelMetric,
  SERVICE_DIMENSION,
  splitKeys,
} from '../../dashboards/panels.js';
import { type BurnWindowAlarm, burnAlarms, slos } from '../../dashboards/slo.js';
import type { StageConfig } from '../config/stages.js';

export interface ObservabilityProps {
  readonly stageConfig: StageConfig;
  /** Where alarms notify (the risk desk's topic, which pages the on-call). */
  readonly alarmTopic: sns.ITopic;
}

/**
 * The stage's CloudWatch dashboard and custom-metric alarms, generated from
 * dashboards/panels.ts and dashboards/slo.ts (the lists the Grafana dashboards are built
 * from), each naming a catalogue metric with a dimension set the code emits. Lines of a
 * per-value set (decision, code, scope, symbol) are drawn with SEARCH on that exact set;
 * alarms read the `{service}` series, which for per-symbol data the code emits too.
 */
export class Observability extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[] = [];
  /** The SLO burn-rate alarms that page (each over a long and a short window alarm). */
  readonly burnRateAlarms: cloudwatch.CompositeAlarm[] = [];

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const { stage, slo } = props.stageConfig;
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(6),
      periodOverride: cloudwatch.PeriodOverride.AUTO,
    });
    // The SLIs first: what the desk is promised, then what explains it.
    this.dashboard.addWidgets(
      ...slos(slo).map(
        (s) =>
          new cloudwatch.GraphWidget({
            title: `SLO: ${s.title} (${s.objective})`,
            width: 12,
            left: [sliMetric(s.metric.name, s.id, slo)],
            leftYAxis: { showUnits: false },
          }),
      ),
    );
    this.dashboard.addWidgets(
      ...PANELS.map(
        (panel) =>
          new cloudwatch.GraphWidget({
            title: panel.title,
            width: 12,
            left: panel.metrics.map((metric) => toMetric(metric)),
            leftYAxis: { label: panel.unit, showUnits: false },
          }),
      ),
    );
    const notify = (alarm: cloudwatch.AlarmBase) => {
      alarm.addAlarmAction(new actions.SnsAction(props.alarmTopic));
      alarm.addOkAction(new actions.SnsAction(props.alarmTopic));
    };
    for (const spec of ALARMS) {
      const alarm = new cloudwatch.Alarm(this, spec.id, {
        alarmDescription: describe(spec.description, spec.runbook, stage),
        metric: serviceSeries(spec.metric, Duration.seconds(spec.periodSeconds ?? 60)),
        threshold: spec.threshold,
        evaluationPeriods: spec.periods,
        comparisonOperator:
          spec.fires === 'below'
            ? cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD
            : cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        // Each spec says whether silence is an incident (dashboards/panels.ts).
        treatMissingData:
          spec.missingData === 'breaching'
            ? cloudwatch.TreatMissingData.BREACHING
            : cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      notify(alarm);
      this.alarms.push(alarm);
    }
    for (const spec of burnAlarms(slo)) {
      const description = describe(spec.description, spec.runbook, stage);
      const long = windowAlarm(this, `${spec.id}Long`, spec.long, `${description} Long window.`);
      const short = windowAlarm(this, `${spec.id}Short`, spec.short, `${description} Short window.`);
      this.alarms.push(long, short);
      const composite = new cloudwatch.CompositeAlarm(this, spec.id, {
        alarmDescription: description,
        alarmRule: cloudwatch.AlarmRule.allOf(
          cloudwatch.AlarmRule.fromAlarm(long, cloudwatch.AlarmState.ALARM),
          cloudwatch.AlarmRule.fromAlarm(short, cloudwatch.AlarmState.ALARM),
        ),
      });
      notify(composite);
      this.burnRateAlarms.push(composite);
    }
  }
}

function describe(description: string, runbook: string, stage: string): string {
  return `${description} Runbook: ${runbook} (stage ${stage})`;
}

/** One window of a burn-rate alarm; the composite pages, the window alarms only feed it. */
function windowAlarm(scope: Construct, id: string, w: BurnWindowAlarm, description: string): cloudwatch.Alarm {
  const base = { namespace: NAMESPACE, metricName: w.metric.name, dimensionsMap: { ...SERVICE_DIMENSION } };
  switch (w.kind) {
    case 'badPercent': {
      const period = Duration.seconds(w.periodSeconds);
      return new cloudwatch.Alarm(scope, id, {
        alarmDescription: description,
        // Only the composite notifies: a window alone is not the page.
        actionsEnabled: false,
        metric: new cloudwatch.MathExpression({
          expression: '100 - fast',
          usingMetrics: { fast: new cloudwatch.Metric({ ...base, statistic: `PR(:${w.boundMs})`, period }) },
          label: `${w.metric.name} percent over ${w.boundMs} ms`,
          period,
        }),
        threshold: w.threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        // No decisions (or no engages) spend no budget.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }
    case 'badMinutes':
      return new cloudwatch.Alarm(scope, id, {
        alarmDescription: description,
        // Only the composite notifies: a window alone is not the page.
        actionsEnabled: false,
        metric: new cloudwatch.Metric({ ...base, statistic: 'Maximum', period: Duration.minutes(1) }),
        threshold: w.boundMs,
        evaluationPeriods: w.minutes,
        datapointsToAlarm: w.badMinutesToAlarm,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        // A minute nobody reported data age is a minute the data was not known fresh.
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      });
    case 'anyEvent':
      return new cloudwatch.Alarm(scope, id, {
        alarmDescription: description,
        // Only the composite notifies: a window alone is not the page.
        actionsEnabled: false,
        metric: new cloudwatch.Metric({ ...base, statistic: 'Sum', period: Duration.seconds(w.periodSeconds) }),
        threshold: 0,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
  }
}

/** The SLI of an SLO as drawn: bad percent for the percentile SLOs, the stalest age, the lost count. */
function sliMetric(name: string, id: string, slo: StageConfig['slo']): cloudwatch.IMetric {
  const base = { namespace: NAMESPACE, metricName: name, dimensionsMap: { ...SERVICE_DIMENSION } };
  const bound = id === 'DecisionLatency' ? slo.decisionLatencyMs : id === 'KillSwitchResponse' ? slo.killSwitchMs : 0;
  if (bound > 0) {
    return new cloudwatch.MathExpression({
      expression: '100 - good',
      usingMetrics: {
        good: new cloudwatch.Metric({ ...base, statistic: `PR(:${bound})`, period: Duration.minutes(5) }),
      },
      label: `percent over ${bound} ms`,
      period: Duration.minutes(5),
    });
  }
  const statistic = id === 'MarketDataFreshness' ? 'Maximum' : 'Sum';
  return new cloudwatch.Metric({ ...base, statistic, period: Duration.minutes(1) });
}

function toMetric(line: PanelMetric): cloudwatch.IMetric {
  const split = splitKeys(line);
  if (split.length > 0) {
    // A SEARCH schema matches metrics with exactly these dimensions, so it draws the set the code emits.
    return new cloudwatch.MathExpression({
      expression: `SEARCH('{${NAMESPACE},${line.dimensions.join(',')}} MetricName="${line.metric.name}"', '${line.stat}', 60)`,
      label: `${line.metric.name} ${line.stat}`,
      period: Duration.minutes(1),
    });
  }
  return new cloudwatch.Metric({
    namespace: NAMESPACE,
    metricName: line.metric.name,
    dimensionsMap: { ...SERVICE_DIMENSION },
    statistic: line.stat,
    period: Duration.minutes(1),
  });
}

function serviceSeries(series: AlarmMetric, period: Duration): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: NAMESPACE,
    metricName: series.metric.name,
    dimensionsMap: { ...SERVICE_DIMENSION },
    statistic: series.stat,
    period,
  });
}
