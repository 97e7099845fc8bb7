import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { StageConfig } from '../config/stages.js';
import { acknowledgeScanFindings } from '../scan-acknowledgements.js';
import type { StatefulStack } from '../stacks/stateful-stack.js';
import { FunctionWithLogGroup } from './function-with-log-group.js';
import { acknowledgeDatabaseConnectWildcards, databaseEnvironment, functionPlacement } from './store-access.js';

/** Where the on-call reads what to do when partition maintenance fails. */
export const PARTITION_RUNBOOK = 'docs/data-durability.md#retention-of-the-partitioned-tables';
/** Days after today every partitioned table must have a partition for. */
export const PARTITION_DAYS_AHEAD = 14;
export const PARTITION_LOCK_TIMEOUT_MS = 5_000;

export interface PartitionMaintenanceProps {
  readonly stageConfig: StageConfig;
  readonly stateful: StatefulStack;
  /** Layer holding the RDS CA bundle at /opt/rds-ca/rds-ca-bundle.pem. @default none (system CAs) */
  readonly rdsCaLayer?: lambda.ILayerVersion;
}

/**
 * The daily partition-maintenance job (functions/partition-maintenance): partitions 14 days
 * ahead, DEFAULT rows moved into their day, days past the stage's retention dropped. Once
 * a day at 03:15 UTC (after the 00:00 trading-day boundary and the 00:05 universe job, well
 * before the partitions of tomorrow are needed), EventBridge retrying twice, one run at a
 * time (two would queue on the same table locks). It reaches PostgreSQL only.
 */
export class PartitionMaintenance extends Construct {
  readonly fn: FunctionWithLogGroup;
  readonly schedule: events.Rule;

  constructor(scope: Construct, id: string, props: PartitionMaintenanceProps) {
    super(scope, id);
    const { stageConfig, stateful } = props;
    const { retention } = stageConfig;

    this.fn = new FunctionWithLogGroup(this, 'Job', {
      entry: 'functions/partition-maintenance/handler.ts',
      stageConfig,
      memorySize: 256,
      // Moving a day of DEFAULT rows is a copy: minutes, not the request path's seconds.
      timeout: Duration.minutes(5),
      environment: {
        ...databaseEnvironment(stateful, 'partitionMaintenance', props.rdsCaLayer),
        PARTITION_DAYS_AHEAD: String(PARTITION_DAYS_AHEAD),
        PARTITION_LOCK_TIMEOUT_MS: String(PARTITION_LOCK_TIMEOUT_MS),
        RETENTION_RISK_DECISIONS_DAYS: String(retention.riskDecisionsDays),
        RETENTION_MARKET_TICKS_DAYS: String(retention.marketTicksDays),
        RETENTION_MARKET_BARS_DAYS: String(retention.marketBarsDays),
      },
      functionProps: {
        ...functionPlacement(stateful, { internetEgress: false, rdsCaLayer: props.rdsCaLayer }),
        reservedConcurrentExecutions: 1,
      },
    });
    stateful.grantDatabaseConnect(this.fn.role, 'partitionMaintenance');
    acknowledgeScanFindings(this.fn.function, [
      {
        id: 'CKV_AWS_116',
        reason:
          'Scheduled with an empty event: the next run redoes the work (idempotent), and its errors alarm; nothing to keep.',
      },
    ]);
    acknowledgeDatabaseConnectWildcards([this.fn.role]);

    this.schedule = new events.Rule(this, 'Daily', {
      description: 'Partition maintenance: partitions ahead, DEFAULT rows moved, retention applied',
      schedule: events.Schedule.cron({ minute: '15', hour: '3' }),
      targets: [new targets.LambdaFunction(this.fn.function, { retryAttempts: 2 })],
    });
  }

  /**
   * A failed run (a table not maintained) pages: the handler fails the invocation on purpose.
   * The metric alarms (rows in DEFAULT, days ahead) come from dashboards/panels.ts.
   */
  alarmOnErrors(topic: sns.ITopic): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, 'Errors', {
      alarmDescription: `Partition maintenance failed on at least one table. Runbook: docs/runbooks/alarms/PartitionMaintenanceErrors.md#meaning (background: ${PARTITION_RUNBOOK})`,
      metric: this.fn.function.metricErrors({ period: Duration.days(1), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new actions.SnsAction(topic));
    alarm.addOkAction(new actions.SnsAction(topic));
    return alarm;
  }
}
