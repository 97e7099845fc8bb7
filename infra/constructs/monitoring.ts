import { Aspects, Duration, type IAspect, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import {
  type CustomMetricGroup,
  DefaultDashboardFactory,
  ElastiCacheClusterType,
  MonitoringFacade,
  notifySns,
} from 'cdk-monitoring-constructs';
import { Construct, type IConstruct } from 'constructs';
import type { AlarmSubscriptions, StageConfig } from '../config/stages.js';
import type { StatefulStack } from '../stacks/stateful-stack.js';
import { FunctionWithLogGroup } from './function-with-log-group.js';

/**
 * `page` wakes the on-call (a fault that rejects orders, loses a record or stops a kill);
 * `ticket` is looked at in working hours (capacity, cost, a warning before a page).
 */
export type AlarmSeverity = 'page' | 'ticket';

/** Where every alarm's runbook lives: `docs/runbooks/alarms/<AlarmId>.md`. */
export const ALARM_RUNBOOK_DIR = 'docs/runbooks/alarms';

/**
 * The link an alarm description carries: the runbook file and a heading in it (`meaning`
 * unless the runbook has a section per resource). The link test resolves every one.
 */
export function alarmRunbook(alarmId: string, heading = 'meaning'): string {
  return `${ALARM_RUNBOOK_DIR}/${alarmId}.md#${heading}`;
}

const severities = new WeakMap<IConstruct, AlarmSeverity>();

/** Routes an alarm built outside {@link Monitoring} to `ticket` instead of the default `page`. */
export function setAlarmSeverity(alarm: cloudwatch.IAlarm & IConstruct, severity: AlarmSeverity): void {
  severities.set(alarm, severity);
}

/**
 * One role per Lambda of the stateless stack, by its path in the stack: the runbook section
 * of its errors alarm, how loud its faults are, and whether it reads a Kinesis stream. A
 * function missing here still gets every alarm (as `page`, its path as the section), and the
 * link test fails until docs/runbooks/alarms/LambdaErrors.md has that section.
 */
const FUNCTION_ROLES: Record<
  string,
  { section: string; severity: AlarmSeverity; streamConsumer?: boolean; ownErrorsAlarm?: boolean }
> = {
  Health: { section: 'health', severity: 'ticket' },
  'RiskApi/Handler': { section: 'risk-api', severity: 'page' },
  'RiskApi/AuditDrainer': { section: 'audit-drainer', severity: 'page' },
  'Controls/AdminApi': { section: 'admin-api', severity: 'page' },
  'Controls/KillExecutor': { section: 'kill-executor', severity: 'page' },
  'Evaluators/MarketEvaluator': { section: 'market-evaluator', severity: 'page', streamConsumer: true },
  'Evaluators/Positions': { section: 'positions', severity: 'page', streamConsumer: true },
  'Evaluators/ReferencePrices': { section: 'reference-prices', severity: 'ticket' },
  'Evaluators/Universe': { section: 'universe', severity: 'ticket' },
  // Its daily errors alarm (PartitionMaintenance.alarmOnErrors) already pages on a failed run.
  'PartitionMaintenance/Job': { section: 'partition-maintenance', severity: 'ticket', ownErrorsAlarm: true },
  'StateRebuild/Job': { section: 'state-rebuild', severity: 'page' },
  'Schema/Migrator': { section: 'schema-migrations', severity: 'ticket' },
};

/** Dead-letter queues by path: a kill or a fill parked there pages; a market event waits for a ticket. */
const QUEUE_ROLES: Record<string, { section: string; severity: AlarmSeverity }> = {
  'Controls/KillExecutorDlq': { section: 'kill-executor-dlq', severity: 'page' },
  'Evaluators/ExecutionsDlq': { section: 'executions-dlq', severity: 'page' },
  'Evaluators/MarketEventsDlq': { section: 'market-events-dlq', severity: 'ticket' },
};

/**
 * REST APIs by path: the trading API pages (strategies get no decision), the desk console's
 * API opens a ticket (risk managers still have the CLI). `name` keeps the alarm names.
 */
const API_ROLES: Record<string, { name: string; severity: AlarmSeverity }> = {
  'RiskApi/Api': { name: 'Api', severity: 'page' },
  'Console/Api': { name: 'ConsoleApi', severity: 'ticket' },
};

export interface MonitoringProps {
  readonly stageConfig: StageConfig;
  readonly stateful: StatefulStack;
}

/**
 * The standard AWS alarms of a stage, built with cdk-monitoring-constructs, and the routing
 * of every alarm in the stateless stack. Two SNS topics encrypted with the stage key carry
 * ALARM and OK notifications by severity to the subscribers in `stageConfig.alarms`.
 *
 * The Lambdas, REST APIs, Fargate services and dead-letter queues are found in the stack rather than
 * listed, so a unit added later is alarmed without an edit here: construct this last. An
 * Aspect gives every alarm without actions (the custom-metric alarms of
 * infra/constructs/observability.ts, or any added later) the topic of its severity, so no
 * alarm in the template notifies no one. The per-resource widgets land on a second
 * dashboard, `risk-gate-<stage>-resources`, beside the custom-metric one.
 */
export class Monitoring extends Construct {
  readonly pageTopic: sns.Topic;
  readonly ticketTopic: sns.Topic;
  readonly facade: MonitoringFacade;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { stageConfig, stateful } = props;
    const stack = Stack.of(this);
    const config = stageConfig.alarms;

    // CloudWatch publishes to topics under the stage key only if the key policy lets it; the
    // statement is scoped to this account's alarms. (aws/sns cannot be used: its key policy
    // cannot name cloudwatch.amazonaws.com, so alarms on such a topic notify no one.)
    stateful.dataKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublishToAlarmTopics',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stateful.account },
          ArnLike: {
            'aws:SourceArn': `arn:${stateful.partition}:cloudwatch:${stateful.region}:${stateful.account}:alarm:*`,
          },
        },
      }),
    );
    this.pageTopic = this.topic('Page', `risk-gate ${stageConfig.stage} page`, config.page, stateful);
    this.ticketTopic = this.topic('Ticket', `risk-gate ${stageConfig.stage} ticket`, config.ticket, stateful);
    const route = (severity: AlarmSeverity) => (severity === 'page' ? this.pageTopic : this.ticketTopic);

    this.facade = new MonitoringFacade(this, 'Facade', {
      alarmFactoryDefaults: {
        alarmNamePrefix: `risk-gate-${stageConfig.stage}`,
        actionsEnabled: true,
        // The disambiguator is the severity: `page` and `ticket` keys of each addXxxAlarm.
        disambiguatorAction: {
          page: notifySns(this.pageTopic, this.pageTopic),
          ticket: notifySns(this.ticketTopic, this.ticketTopic),
        },
        datapointsToAlarm: 1,
        evaluationPeriods: 1,
      },
      metricFactoryDefaults: { period: Duration.minutes(5) },
      dashboardFactory: new DefaultDashboardFactory(this, 'Dashboards', {
        dashboardNamePrefix: `risk-gate-${stageConfig.stage}-resources`,
        createDashboard: true,
        createSummaryDashboard: false,
        createAlarmDashboard: false,
      }),
    });

    this.monitorFunctions(stack, stageConfig);
    this.monitorApis(stack, stageConfig);
    for (const [section, stream] of [
      ['market-events', stateful.marketEventsStream],
      ['executions', stateful.executionsStream],
    ] as const) {
      this.monitorStream(section, stream, stageConfig);
    }
    this.monitorQueues(stack, stageConfig);
    this.monitorServices(stack, stageConfig);
    this.monitorDatabase(stateful, stageConfig);
    this.monitorCache(stateful, stageConfig);

    Aspects.of(stack).add(new AlarmRouting(route));
  }

  private topic(id: string, displayName: string, subscribers: AlarmSubscriptions, stateful: StatefulStack): sns.Topic {
    const topic = new sns.Topic(this, id, { displayName, masterKey: stateful.dataKey, enforceSSL: true });
    for (const email of subscribers.emails) topic.addSubscription(new subscriptions.EmailSubscription(email));
    for (const url of subscribers.httpsEndpoints) {
      topic.addSubscription(new subscriptions.UrlSubscription(url, { protocol: sns.SubscriptionProtocol.HTTPS }));
    }
    return topic;
  }

  private monitorFunctions(stack: Stack, stageConfig: StageConfig): void {
    const limits = stageConfig.alarms.lambda;
    const functions = stack.node
      .findAll()
      .filter((c): c is FunctionWithLogGroup => c instanceof FunctionWithLogGroup && Stack.of(c) === stack);
    for (const fn of functions) {
      const path = pathInStack(fn, stack);
      const role = FUNCTION_ROLES[path] ?? { section: slug(path), severity: 'page' as const };
      const timeoutMs = (fn.function.timeout ?? Duration.seconds(3)).toMilliseconds();
      const maxLatency =
        path === 'RiskApi/Handler'
          ? Duration.millis(limits.riskApiDurationP99Ms)
          : Duration.millis(Math.round((timeoutMs * limits.durationP99PercentOfTimeout) / 100));
      const severity = role.severity;
      this.facade.monitorLambdaFunction({
        lambdaFunction: fn.function,
        alarmFriendlyName: pascal(role.section),
        humanReadableName: `Lambda ${role.section}`,
        addFaultCountAlarm: role.ownErrorsAlarm
          ? {}
          : {
              [severity]: {
                maxErrorCount: limits.errorsPer5Min,
                alarmDescriptionOverride: `Lambda ${role.section}: more than ${limits.errorsPer5Min} errors in 5 minutes.`,
                runbookLink: alarmRunbook('LambdaErrors', role.section),
                treatMissingDataOverride: cloudwatch.TreatMissingData.NOT_BREACHING,
              },
            },
        addThrottlesCountAlarm: {
          [severity]: {
            maxErrorCount: limits.throttlesPer5Min,
            alarmDescriptionOverride: `Lambda ${role.section}: more than ${limits.throttlesPer5Min} throttled invocations in 5 minutes.`,
            runbookLink: alarmRunbook('LambdaThrottles'),
            treatMissingDataOverride: cloudwatch.TreatMissingData.NOT_BREACHING,
          },
        },
        addLatencyP99Alarm: {
          ticket: {
            maxLatency,
            alarmDescriptionOverride: `Lambda ${role.section}: duration p99 above ${maxLatency.toMilliseconds()} ms for 15 minutes.`,
            runbookLink: alarmRunbook('LambdaDurationP99'),
            // Three periods: one slow cold start or one big batch is not a trend.
            datapointsToAlarm: 3,
            evaluationPeriods: 3,
          },
        },
        ...(role.streamConsumer
          ? {
              addMaxIteratorAgeAlarm: {
                page: {
                  maxAgeInMillis: limits.iteratorAgeMs,
                  alarmDescriptionOverride: `Lambda ${role.section}: its oldest unread stream record is older than ${limits.iteratorAgeMs} ms for 3 minutes.`,
                  runbookLink: alarmRunbook('LambdaIteratorAge', role.section),
                  period: Duration.minutes(1),
                  datapointsToAlarm: 3,
                  evaluationPeriods: 3,
                },
              },
            }
          : {}),
      });
    }
  }

  private monitorApis(stack: Stack, stageConfig: StageConfig): void {
    const apis = stack.node
      .findAll()
      .filter((c): c is apigw.RestApi => c instanceof apigw.RestApi && Stack.of(c) === stack);
    for (const api of apis) {
      const path = pathInStack(api, stack);
      const role = API_ROLES[path] ?? { name: pascal(slug(path)), severity: 'page' as const };
      this.monitorApi(api, role.name, role.severity, stageConfig);
    }
  }

  /**
   * API Gateway keys a REST API's metrics by its name and stage, so every API of a stage
   * needs its own `restApiName` (risk-api.ts, console.ts) or their alarms would mix.
   */
  private monitorApi(api: apigw.RestApi, name: string, severity: AlarmSeverity, stageConfig: StageConfig): void {
    const limits = stageConfig.alarms.api;
    const dimensionsMap = { ApiName: api.restApiName, Stage: api.deploymentStage.stageName };
    this.facade.monitorApiGateway({
      api,
      apiStage: api.deploymentStage.stageName,
      alarmFriendlyName: name,
      humanReadableName: `API Gateway ${api.restApiName}`,
      addLatencyP99Alarm: {
        [severity]: {
          maxLatency: Duration.millis(limits.latencyP99Ms),
          alarmDescriptionOverride: `API Gateway ${api.restApiName}: latency p99 above ${limits.latencyP99Ms} ms for 15 minutes.`,
          runbookLink: alarmRunbook('ApiLatencyP99'),
          datapointsToAlarm: 3,
          evaluationPeriods: 3,
        },
      },
    });
    // The library's error "rates" are errors per second; the stage config speaks percent of
    // requests, which is what API Gateway's Average of 4XXError/5XXError is (times 100).
    // Ids unique per graph: both expressions share one widget.
    const percentOf = (metricName: '4XXError' | '5XXError', label: string) =>
      new cloudwatch.MathExpression({
        expression: `100 * e${metricName.charAt(0)}xx`,
        usingMetrics: {
          [`e${metricName.charAt(0)}xx`]: new cloudwatch.Metric({
            namespace: 'AWS/ApiGateway',
            metricName,
            dimensionsMap,
            statistic: 'Average',
          }),
        },
        label,
        period: Duration.minutes(5),
      });
    this.custom(name, `API Gateway ${api.restApiName} error rates`, [
      {
        title: `${api.restApiName} errors (% of requests)`,
        metrics: [
          {
            metric: percentOf('5XXError', '5XX %'),
            alarmFriendlyName: `${name}-5XX-Percent`,
            addAlarm: {
              [severity]: {
                threshold: limits.fault5xxRatePercent,
                comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                additionalDescription: `More than ${limits.fault5xxRatePercent}% of ${api.restApiName} requests answered 5XX in 5 minutes.`,
                runbookLink: alarmRunbook('ApiFaultRate'),
                treatMissingDataOverride: cloudwatch.TreatMissingData.NOT_BREACHING,
              },
            },
          },
          {
            metric: percentOf('4XXError', '4XX %'),
            alarmFriendlyName: `${name}-4XX-Percent`,
            addAlarm: {
              ticket: {
                threshold: limits.error4xxRatePercent,
                comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                additionalDescription: `More than ${limits.error4xxRatePercent}% of ${api.restApiName} requests answered 4XX for 15 minutes.`,
                runbookLink: alarmRunbook('ApiClientErrorRate'),
                treatMissingDataOverride: cloudwatch.TreatMissingData.NOT_BREACHING,
                datapointsToAlarm: 3,
                evaluationPeriods: 3,
              },
            },
          },
        ],
      },
    ]);
  }

  private monitorStream(section: string, stream: kinesis.IStream, stageConfig: StageConfig): void {
    this.facade.monitorKinesisDataStream({
      streamName: stream.streamName,
      alarmFriendlyName: `Stream-${pascal(section)}`,
      humanReadableName: `Kinesis ${section}`,
      addPutRecordsThrottledAlarm: {
        page: {
          maxRecordsThrottledThreshold: stageConfig.alarms.streams.writeThrottledRecordsPer5Min,
          alarmDescriptionOverride: `Kinesis ${section}: more than ${stageConfig.alarms.streams.writeThrottledRecordsPer5Min} records refused for throughput in 5 minutes.`,
          runbookLink: alarmRunbook('KinesisWriteThrottles', section),
          treatMissingDataOverride: cloudwatch.TreatMissingData.NOT_BREACHING,
        },
      },
    });
  }

  private monitorQueues(stack: Stack, stageConfig: StageConfig): void {
    const limits = stageConfig.alarms.deadLetterQueues;
    const queues = stack.node
      .findAll()
      .filter((c): c is sqs.Queue => c instanceof sqs.Queue && Stack.of(c) === stack && c.node.id.endsWith('Dlq'));
    for (const queue of queues) {
      const path = pathInStack(queue, stack);
      const role = QUEUE_ROLES[path] ?? { section: slug(path), severity: 'page' as const };
      this.facade.monitorSqsQueue({
        queue,
        alarmFriendlyName: pascal(role.section),
        humanReadableName: `DLQ ${role.section}`,
        addQueueMaxSizeAlarm: {
          [role.severity]: {
            maxMessageCount: limits.visibleMessages,
            alarmDescriptionOverride: `Dead-letter queue ${role.section} holds messages: something was given up on.`,
            runbookLink: alarmRunbook('DlqMessagesVisible', role.section),
            treatMissingDataOverride: cloudwatch.TreatMissingData.NOT_BREACHING,
          },
        },
        addQueueMaxMessageAgeAlarm: {
          ticket: {
            maxAgeInSeconds: limits.oldestMessageAgeMinutes * 60,
            alarmDescriptionOverride: `Dead-letter queue ${role.section}: a message waits longer than ${limits.oldestMessageAgeMinutes} minutes.`,
            runbookLink: alarmRunbook('DlqMessageAge'),
            treatMissingDataOverride: cloudwatch.TreatMissingData.NOT_BREACHING,
          },
        },
      });
    }
  }

  private monitorServices(stack: Stack, stageConfig: StageConfig): void {
    const limits = stageConfig.alarms.services;
    const services = stack.node
      .findAll()
      .filter((c): c is ecs.FargateService => c instanceof ecs.FargateService && Stack.of(c) === stack);
    for (const service of services) {
      const path = pathInStack(service, stack);
      const section = path.startsWith('AccountFeed')
        ? 'account-feed'
        : path.startsWith('MarketIngester')
          ? 'market-ingester'
          : slug(path);
      const desired = Number((service.node.defaultChild as ecs.CfnService).desiredCount ?? 1);
      const name = pascal(slug(path));
      this.facade.monitorSimpleFargateService({
        fargateService: service,
        alarmFriendlyName: name,
        humanReadableName: `ECS ${path}`,
        addRunningTaskCountAlarm: {
          page: {
            maxRunningTasks: desired,
            comparisonOperatorOverride: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            // No Container Insights data at all means no task is running.
            treatMissingDataOverride: cloudwatch.TreatMissingData.BREACHING,
            alarmNameOverride: `risk-gate-${stageConfig.stage}-${name}-Running-Tasks-Low-page`,
            alarmDescriptionOverride: `Fewer than ${desired} running task(s) for 3 minutes.`,
            runbookLink: alarmRunbook('ServiceRunningTasksLow', section),
            period: Duration.minutes(1),
            datapointsToAlarm: 3,
            evaluationPeriods: 3,
          },
        },
        addCpuUsageAlarm: {
          ticket: {
            maxUsagePercent: limits.cpuPercent,
            alarmDescriptionOverride: `ECS ${path}: CPU above ${limits.cpuPercent}% for 15 minutes.`,
            runbookLink: alarmRunbook('ServiceCpuHigh'),
            datapointsToAlarm: 3,
            evaluationPeriods: 3,
          },
        },
        addMemoryUsageAlarm: {
          ticket: {
            maxUsagePercent: limits.memoryPercent,
            alarmDescriptionOverride: `ECS ${path}: memory above ${limits.memoryPercent}% for 15 minutes.`,
            runbookLink: alarmRunbook('ServiceMemoryHigh'),
            datapointsToAlarm: 3,
            evaluationPeriods: 3,
          },
        },
      });
    }
  }

  private monitorDatabase(stateful: StatefulStack, stageConfig: StageConfig): void {
    const limits = stageConfig.alarms.database;
    const clusterIdentifier = stateful.database.clusterIdentifier;
    this.facade.monitorAuroraCluster({
      cluster: stateful.database,
      alarmFriendlyName: 'Aurora',
      humanReadableName: 'Aurora PostgreSQL',
      addCpuUsageAlarm: {
        ticket: {
          maxUsagePercent: limits.cpuPercent,
          alarmDescriptionOverride: `Aurora CPU above ${limits.cpuPercent}% for 15 minutes.`,
          runbookLink: alarmRunbook('AuroraCpuHigh'),
          datapointsToAlarm: 3,
          evaluationPeriods: 3,
        },
      },
      addMaxConnectionCountAlarm: {
        ticket: {
          maxConnectionCount: limits.connections,
          alarmDescriptionOverride: `Aurora has more than ${limits.connections} connections.`,
          runbookLink: alarmRunbook('AuroraConnectionsHigh'),
        },
      },
    });
    const rds = (metricName: string, statistic: string, dimensionsMap: Record<string, string>) =>
      new cloudwatch.Metric({
        namespace: 'AWS/RDS',
        metricName,
        statistic,
        dimensionsMap,
        period: Duration.minutes(5),
      });
    const cluster = { DBClusterIdentifier: clusterIdentifier };
    const proxy = { ProxyName: stateful.databaseProxy.dbProxyName };
    const above = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD;
    const groups: CustomMetricGroup[] = [
      {
        title: 'Aurora freeable memory (MB)',
        metrics: [
          {
            metric: new cloudwatch.MathExpression({
              expression: 'freeable / 1048576',
              usingMetrics: { freeable: rds('FreeableMemory', 'Minimum', cluster) },
              label: 'Freeable MB (lowest instance)',
              period: Duration.minutes(5),
            }),
            alarmFriendlyName: 'Aurora-Freeable-Memory',
            addAlarm: {
              ticket: {
                threshold: limits.freeableMemoryMb,
                comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
                additionalDescription: `An Aurora instance has under ${limits.freeableMemoryMb} MB freeable memory.`,
                runbookLink: alarmRunbook('AuroraFreeableMemoryLow'),
                datapointsToAlarm: 3,
                evaluationPeriods: 3,
              },
            },
          },
        ],
      },
      {
        title: 'RDS Proxy',
        metrics: [
          {
            metric: rds('DatabaseConnectionsBorrowLatency', 'p99', proxy).with({ label: 'Borrow latency p99 (µs)' }),
            alarmFriendlyName: 'Proxy-Borrow-Latency',
            addAlarm: {
              ticket: {
                // CloudWatch reports the borrow latency in microseconds.
                threshold: limits.proxyBorrowLatencyP99Ms * 1000,
                comparisonOperator: above,
                additionalDescription: `RDS Proxy p99 wait for a pooled connection above ${limits.proxyBorrowLatencyP99Ms} ms.`,
                runbookLink: alarmRunbook('RdsProxyBorrowLatency'),
                datapointsToAlarm: 3,
                evaluationPeriods: 3,
              },
            },
          },
          {
            metric: rds('ClientConnectionsSetupFailedAuth', 'Sum', proxy).with({ label: 'Failed auth' }),
            alarmFriendlyName: 'Proxy-Auth-Failures',
            addAlarm: {
              page: {
                threshold: 0,
                comparisonOperator: above,
                additionalDescription: 'Clients failed to authenticate to RDS Proxy (IAM token or TLS).',
                runbookLink: alarmRunbook('RdsProxyAuthFailures'),
                treatMissingDataOverride: cloudwatch.TreatMissingData.NOT_BREACHING,
              },
            },
          },
        ],
      },
    ];
    if (stageConfig.database.readers > 0) {
      groups.push({
        title: 'Aurora replica lag (ms)',
        metrics: [
          {
            metric: rds('AuroraReplicaLagMaximum', 'Maximum', cluster).with({ label: 'Replica lag max (ms)' }),
            alarmFriendlyName: 'Aurora-Replica-Lag',
            addAlarm: {
              ticket: {
                threshold: limits.replicaLagMs,
                comparisonOperator: above,
                additionalDescription: `An Aurora reader lags the writer by more than ${limits.replicaLagMs} ms.`,
                runbookLink: alarmRunbook('AuroraReplicaLag'),
                datapointsToAlarm: 3,
                evaluationPeriods: 3,
              },
            },
          },
        ],
      });
    }
    this.custom('Database', 'Aurora memory, replica lag and RDS Proxy', groups);
  }

  private monitorCache(stateful: StatefulStack, stageConfig: StageConfig): void {
    const limits = stageConfig.alarms.cache;
    const nodes = Array.from(
      { length: stageConfig.cache.replicas + 1 },
      (_, i) => `${stateful.redisReplicationGroupId}-${String(i + 1).padStart(3, '0')}`,
    );
    nodes.forEach((clusterId, i) => {
      const name = `Cache-Node${i + 1}`;
      this.facade.monitorElastiCacheCluster({
        clusterType: ElastiCacheClusterType.REDIS,
        clusterId,
        alarmFriendlyName: name,
        humanReadableName: `ElastiCache node ${i + 1}`,
        addRedisEngineCpuUsageAlarm: {
          ticket: {
            maxUsagePercent: limits.engineCpuPercent,
            alarmDescriptionOverride: `ElastiCache node ${i + 1}: engine CPU above ${limits.engineCpuPercent}% for 15 minutes.`,
            runbookLink: alarmRunbook('CacheEngineCpuHigh'),
            datapointsToAlarm: 3,
            evaluationPeriods: 3,
          },
        },
        addMaxEvictedItemsCountAlarm: {
          page: {
            maxItemsCount: limits.evictionsPer5Min,
            alarmDescriptionOverride: `ElastiCache node ${i + 1} evicted keys: hot state may be lost.`,
            runbookLink: alarmRunbook('CacheEvictions'),
            treatMissingDataOverride: cloudwatch.TreatMissingData.NOT_BREACHING,
          },
        },
      });
    });
    const perNode = (metricName: string, statistic: string) =>
      Object.fromEntries(
        nodes.map((CacheClusterId, i) => [
          `n${i + 1}`,
          new cloudwatch.Metric({
            namespace: 'AWS/ElastiCache',
            metricName,
            statistic,
            dimensionsMap: { CacheClusterId },
            period: Duration.minutes(1),
          }),
        ]),
      );
    const maxOver = (metricName: string, label: string) => {
      const usingMetrics = perNode(metricName, 'Maximum');
      return new cloudwatch.MathExpression({
        expression: `MAX([${Object.keys(usingMetrics).join(', ')}])`,
        usingMetrics,
        label,
        period: Duration.minutes(1),
      });
    };
    const above = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD;
    const groups: CustomMetricGroup[] = [
      {
        title: 'Cache memory used (% of maxmemory, highest node)',
        metrics: [
          {
            metric: maxOver('DatabaseMemoryUsagePercentage', 'Memory %'),
            alarmFriendlyName: 'Cache-Memory',
            addAlarm: {
              page: {
                threshold: limits.memoryPercent,
                comparisonOperator: above,
                additionalDescription: `A cache node uses more than ${limits.memoryPercent}% of maxmemory for 5 minutes.`,
                runbookLink: alarmRunbook('CacheMemoryHigh'),
                datapointsToAlarm: 5,
                evaluationPeriods: 5,
              },
            },
          },
        ],
      },
    ];
    if (stageConfig.cache.replicas > 0) {
      const isMaster = perNode('IsMaster', 'Maximum');
      groups.push(
        {
          title: 'Cache replication lag (s, highest replica)',
          metrics: [
            {
              metric: maxOver('ReplicationLag', 'Replication lag s'),
              alarmFriendlyName: 'Cache-Replication-Lag',
              addAlarm: {
                ticket: {
                  threshold: limits.replicationLagSeconds,
                  comparisonOperator: above,
                  additionalDescription: `A cache replica lags the primary by more than ${limits.replicationLagSeconds} s for 3 minutes.`,
                  runbookLink: alarmRunbook('CacheReplicationLag'),
                  datapointsToAlarm: 3,
                  evaluationPeriods: 3,
                },
              },
            },
          ],
        },
        {
          title: 'Cache primary changes (failovers)',
          metrics: [
            {
              // IsMaster flips on the old and the new primary in the minute of a failover.
              metric: new cloudwatch.MathExpression({
                expression: Object.keys(isMaster)
                  .map((id) => `ABS(DIFF(${id}))`)
                  .join(' + '),
                usingMetrics: isMaster,
                label: 'Primary changes',
                period: Duration.minutes(1),
              }),
              alarmFriendlyName: 'Cache-Failover',
              addAlarm: {
                page: {
                  threshold: 0,
                  comparisonOperator: above,
                  additionalDescription: 'The cache primary moved to another node (failover).',
                  runbookLink: alarmRunbook('CacheFailover'),
                  treatMissingDataOverride: cloudwatch.TreatMissingData.NOT_BREACHING,
                },
              },
            },
          ],
        },
      );
    }
    this.custom('Cache', 'ElastiCache memory, replication and failover', groups);
  }

  private custom(alarmFriendlyName: string, humanReadableName: string, metricGroups: CustomMetricGroup[]): void {
    this.facade.monitorCustom({ alarmFriendlyName, humanReadableName, metricGroups });
  }
}

/**
 * Gives every alarm (metric or composite) of the stack that has no alarm or no OK action the
 * topic of its severity ({@link setAlarmSeverity}, `page` by default). Runs at synthesis,
 * after every construct exists, so alarms added anywhere in the stack later are covered too.
 * An alarm that should not notify on its own (a burn-rate window whose composite pages) keeps
 * its actions and sets `actionsEnabled: false`.
 */
class AlarmRouting implements IAspect {
  constructor(private readonly topicFor: (severity: AlarmSeverity) => sns.ITopic) {}

  visit(node: IConstruct): void {
    if (!(node instanceof cloudwatch.Alarm || node instanceof cloudwatch.CompositeAlarm)) return;
    const cfn = node.node.defaultChild as cloudwatch.CfnAlarm | cloudwatch.CfnCompositeAlarm;
    const stack = Stack.of(node);
    const action = new actions.SnsAction(this.topicFor(severities.get(node) ?? 'page'));
    if (isEmpty(stack.resolve(cfn.alarmActions))) node.addAlarmAction(action);
    if (isEmpty(stack.resolve(cfn.okActions))) node.addOkAction(action);
  }
}

function isEmpty(resolved: unknown): boolean {
  return !Array.isArray(resolved) || resolved.length === 0;
}

function pathInStack(construct: IConstruct, stack: Stack): string {
  return construct.node.path.slice(stack.node.path.length + 1);
}

/** `RiskApi/AuditDrainer` -> `risk-api-audit-drainer` (a markdown heading's anchor). */
function slug(path: string): string {
  return path
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .toLowerCase();
}

/** `market-evaluator` -> `MarketEvaluator` (alarm names). */
function pascal(section: string): string {
  return section
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
