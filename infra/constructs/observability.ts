import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ALARMS, NAMESPACE, PANELS, type PanelMetric, SERVICE_DIMENSION } from '../../dashboards/panels.js';
import type { StageConfig } from '../config/stages.js';

export interface ObservabilityProps {
  readonly stageConfig: StageConfig;
  /** Where alarms notify (the risk desk's topic, which pages the on-call). */
  readonly alarmTopic: sns.ITopic;
}

/**
 * The stage's CloudWatch dashboard and alarms, generated from dashboards/panels.ts (the
 * same list the Grafana dashboard is built from). Metrics with a per-value dimension
 * (decision, code, scope) are drawn with SEARCH so every value gets its own line.
 */
export class Observability extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(6),
      periodOverride: cloudwatch.PeriodOverride.AUTO,
    });
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
    for (const spec of ALARMS) {
      const period = Duration.seconds(spec.periodSeconds ?? 60);
      const metric = spec.metric.dimension ? alarmSeries(spec.metric) : (toMetric(spec.metric) as cloudwatch.Metric);
      const alarm = new cloudwatch.Alarm(this, spec.id, {
        alarmDescription: `${spec.description} Runbook: ${spec.runbook} (stage ${props.stageConfig.stage})`,
        metric: metric.with({ period }),
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
      alarm.addAlarmAction(new actions.SnsAction(props.alarmTopic));
      alarm.addOkAction(new actions.SnsAction(props.alarmTopic));
      this.alarms.push(alarm);
    }
  }
}

function toMetric(metric: PanelMetric): cloudwatch.IMetric {
  if (metric.dimension) {
    return new cloudwatch.MathExpression({
      expression: `SEARCH('{${NAMESPACE},service,${metric.dimension}} MetricName="${metric.name}"', '${metric.stat}', 60)`,
      label: `${metric.name} ${metric.stat}`,
      period: Duration.minutes(1),
    });
  }
  return new cloudwatch.Metric({
    namespace: NAMESPACE,
    metricName: metric.name,
    dimensionsMap: { ...SERVICE_DIMENSION },
    statistic: metric.stat,
    period: Duration.minutes(1),
  });
}

/** Alarms need one series: a metric with a per-value dimension is alarmed on its `accept` series. */
function alarmSeries(metric: PanelMetric): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: NAMESPACE,
    metricName: metric.name,
    dimensionsMap: { ...SERVICE_DIMENSION, [metric.dimension as string]: 'accept' },
    statistic: metric.stat,
    period: Duration.minutes(1),
  });
}
