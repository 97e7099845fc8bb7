import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { App } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEPLOY_STAGES, type DeployStage } from './config/stages.js';
import { FunctionWithLogGroup } from './constructs/function-with-log-group.js';
import { stacksOf, stageOf, synthApp, templateOf } from './test-helpers.js';

/**
 * Every alarm of every stage pages someone and says what to do: its description links a
 * runbook file and heading that exist (docs/runbooks/alarms/<AlarmId>.md), it has alarm and
 * OK actions to an encrypted SNS topic, and prod alarms on every kind of AWS resource the
 * gate runs on (issue #14). One synthesis of the three stages, without bundling.
 */
type Resource = { Type: string; Properties: Record<string, unknown> };
interface StageAlarm {
  readonly stack: string;
  readonly logicalId: string;
  readonly type: string;
  readonly properties: Record<string, unknown>;
  readonly template: Record<string, Resource>;
}

const RUNBOOK_LINK = /Runbook: (docs\/runbooks\/alarms\/[A-Za-z0-9]+\.md)#([a-z0-9-]+)/;
const SECTIONS = ['Meaning', 'Confirm', 'Mitigate', 'Recover'];

let app: App;
const alarmsOf = new Map<DeployStage, StageAlarm[]>();

beforeAll(() => {
  app = synthApp({}, { bundle: false });
  for (const stage of DEPLOY_STAGES) {
    const alarms: StageAlarm[] = [];
    for (const stack of stacksOf(app).filter((s) => s.node.path.startsWith(`risk-gate-${stage}/`))) {
      const template = templateOf(stack).toJSON().Resources as Record<string, Resource>;
      for (const [logicalId, resource] of Object.entries(template)) {
        if (resource.Type === 'AWS::CloudWatch::Alarm' || resource.Type === 'AWS::CloudWatch::CompositeAlarm') {
          alarms.push({
            stack: stack.stackName,
            logicalId,
            type: resource.Type,
            properties: resource.Properties,
            template,
          });
        }
      }
    }
    alarmsOf.set(stage, alarms);
  }
}, 240_000);

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function headingsOf(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => /^#{1,6} /.test(line))
    .map((line) => line.replace(/^#+ /, ''));
}

/** A description is a string, or an Fn::Join whose literal parts carry the link. */
function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value ?? '');
}

/** Namespace/MetricName pairs an alarm reads (its own metric, or each metric of its math). */
function metricsOf(properties: Record<string, unknown>): string[] {
  if (typeof properties.MetricName === 'string') return [`${properties.Namespace}/${properties.MetricName}`];
  const queries = (properties.Metrics ?? []) as {
    MetricStat?: { Metric: { Namespace: string; MetricName: string } };
  }[];
  return queries.flatMap((q) =>
    q.MetricStat ? [`${q.MetricStat.Metric.Namespace}/${q.MetricStat.Metric.MetricName}`] : [],
  );
}

/** Logical ids of the alarms a composite's rule reads. */
function compositeInputs(alarms: StageAlarm[]): Set<string> {
  return new Set(
    alarms
      .filter((a) => a.type === 'AWS::CloudWatch::CompositeAlarm')
      .flatMap((a) => [...JSON.stringify(a.properties.AlarmRule).matchAll(/"Fn::GetAtt":\["([^"]+)","Arn"\]/g)])
      .map((m) => m[1] as string),
  );
}

describe.each(DEPLOY_STAGES)('Stage %s: every alarm', (stage) => {
  it('links a runbook under docs/runbooks/alarms whose file, heading and four sections exist', () => {
    const broken: string[] = [];
    for (const alarm of alarmsOf.get(stage) ?? []) {
      const link = RUNBOOK_LINK.exec(text(alarm.properties.AlarmDescription));
      if (!link) {
        broken.push(`${alarm.logicalId}: no "Runbook: docs/runbooks/alarms/<Id>.md#<heading>" in its description`);
        continue;
      }
      const [, file, anchor] = link as unknown as [string, string, string];
      if (!existsSync(file)) {
        broken.push(`${alarm.logicalId}: ${file} does not exist`);
        continue;
      }
      const headings = headingsOf(file);
      if (!headings.map(anchorOf).includes(anchor))
        broken.push(`${alarm.logicalId}: ${file} has no heading #${anchor}`);
      const missing = SECTIONS.filter((section) => !headings.includes(section));
      if (missing.length > 0) broken.push(`${alarm.logicalId}: ${file} lacks ## ${missing.join(', ## ')}`);
    }
    expect(broken).toEqual([]);
  });

  it('notifies an encrypted SNS topic on ALARM and on OK (a composite input: through its composite)', () => {
    const alarms = alarmsOf.get(stage) ?? [];
    const inputs = compositeInputs(alarms);
    const silent: string[] = [];
    for (const alarm of alarms) {
      for (const key of ['AlarmActions', 'OKActions']) {
        const actions = (alarm.properties[key] ?? []) as { Ref?: string }[];
        if (actions.length === 0) silent.push(`${alarm.logicalId}: no ${key}`);
        for (const action of actions) {
          const topic = action.Ref ? alarm.template[action.Ref] : undefined;
          if (topic?.Type !== 'AWS::SNS::Topic' || !topic.Properties.KmsMasterKeyId) {
            silent.push(`${alarm.logicalId}: ${key} ${JSON.stringify(action)} is not an encrypted topic of its stack`);
          }
        }
      }
      if (alarm.properties.ActionsEnabled === false && !inputs.has(alarm.logicalId)) {
        silent.push(`${alarm.logicalId}: actions disabled and no composite alarm reads it`);
      }
    }
    expect(silent).toEqual([]);
  });
});

describe('Stage prod: standard AWS resource alarms', () => {
  it('alarms on each resource kind of issue #14', () => {
    const read = new Set((alarmsOf.get('prod') ?? []).flatMap((a) => metricsOf(a.properties)));
    const kinds = {
      'Lambda errors': 'AWS/Lambda/Errors',
      'Lambda throttles': 'AWS/Lambda/Throttles',
      'Lambda duration': 'AWS/Lambda/Duration',
      'Lambda iterator age': 'AWS/Lambda/IteratorAge',
      'API Gateway 5XX': 'AWS/ApiGateway/5XXError',
      'API Gateway 4XX': 'AWS/ApiGateway/4XXError',
      'API Gateway latency': 'AWS/ApiGateway/Latency',
      'Kinesis write throttles': 'AWS/Kinesis/PutRecords.ThrottledRecords',
      'DLQ visible messages': 'AWS/SQS/ApproximateNumberOfMessagesVisible',
      'DLQ message age': 'AWS/SQS/ApproximateAgeOfOldestMessage',
      'ECS running tasks': 'ECS/ContainerInsights/RunningTaskCount',
      'ECS CPU': 'AWS/ECS/CPUUtilization',
      'ECS memory': 'AWS/ECS/MemoryUtilization',
      'Aurora CPU': 'AWS/RDS/CPUUtilization',
      'Aurora connections': 'AWS/RDS/DatabaseConnections',
      'Aurora replica lag': 'AWS/RDS/AuroraReplicaLagMaximum',
      'Aurora freeable memory': 'AWS/RDS/FreeableMemory',
      'RDS Proxy borrow latency': 'AWS/RDS/DatabaseConnectionsBorrowLatency',
      'RDS Proxy auth failures': 'AWS/RDS/ClientConnectionsSetupFailedAuth',
      'ElastiCache CPU': 'AWS/ElastiCache/EngineCPUUtilization',
      'ElastiCache memory': 'AWS/ElastiCache/DatabaseMemoryUsagePercentage',
      'ElastiCache replication lag': 'AWS/ElastiCache/ReplicationLag',
      'ElastiCache evictions': 'AWS/ElastiCache/Evictions',
      'ElastiCache failover': 'AWS/ElastiCache/IsMaster',
    };
    const missing = Object.entries(kinds).filter(([, metric]) => !read.has(metric));
    expect(missing.map(([kind]) => kind)).toEqual([]);
  });

  it('alarms on the errors of every function of the stack, the state rebuild included', () => {
    const stateless = stageOf(app, 'prod').stateless;
    const alarms = alarmsOf.get('prod') ?? [];
    // The library's fault count alarms read Errors through metric math: look inside.
    const alarmedFunctions = new Set(
      alarms.flatMap((a) => {
        const stats = [
          a.properties,
          ...((a.properties.Metrics ?? []) as { MetricStat?: { Metric: Record<string, unknown> } }[]).map(
            (q) => q.MetricStat?.Metric ?? {},
          ),
        ];
        return stats
          .filter((m) => m.Namespace === 'AWS/Lambda' && m.MetricName === 'Errors')
          .flatMap((m) => ((m.Dimensions ?? []) as { Value: { Ref?: string } }[]).map((d) => d.Value.Ref));
      }),
    );
    const functions = stateless.node
      .findAll()
      .filter((c): c is FunctionWithLogGroup => c instanceof FunctionWithLogGroup)
      .map((fn) => ({ path: fn.node.path, logicalId: stateless.resolve(fn.function.functionName).Ref as string }));
    expect(functions.map((fn) => fn.path)).toContain('risk-gate-prod/Stateless/StateRebuild/Job');
    expect(functions.filter((fn) => !alarmedFunctions.has(fn.logicalId)).map((fn) => fn.path)).toEqual([]);
  });
});

describe('Routing and the resources dashboard', () => {
  const resourcesOf = (stage: DeployStage, stack: 'stateful' | 'stateless') =>
    templateOf(stageOf(app, stage)[stack]).toJSON().Resources as Record<string, Resource>;
  const topicOf = (alarms: StageAlarm[], name: RegExp) => {
    const alarm = alarms.find((a) => name.test(String(a.properties.AlarmName)));
    return (alarm?.properties.AlarmActions as { Ref: string }[] | undefined)?.[0]?.Ref ?? 'no alarm';
  };

  it('sends page alarms to the page topic and ticket alarms to the ticket topic', () => {
    const alarms = alarmsOf.get('prod') ?? [];
    expect(topicOf(alarms, /-RiskApi-Fault-Count-page$/)).toMatch(/^MonitoringPage/);
    expect(topicOf(alarms, /-Health-Fault-Count-ticket$/)).toMatch(/^MonitoringTicket/);
    expect(topicOf(alarms, /-KillExecutorDlq-Queue-Message-Count-Max-page$/)).toMatch(/^MonitoringPage/);
    expect(topicOf(alarms, /-Api-Api-5XX-Percent-page$/)).toMatch(/^MonitoringPage/);
    expect(topicOf(alarms, /-ConsoleApi-ConsoleApi-5XX-Percent-ticket$/)).toMatch(/^MonitoringTicket/);
  });

  it('subscribes what the stage config names: prod pages the on-call, dev reaches an inbox only', () => {
    const subscriptions = (stage: DeployStage) =>
      Object.values(resourcesOf(stage, 'stateless'))
        .filter((r) => r.Type === 'AWS::SNS::Subscription')
        .map(
          (r) =>
            `${(r.Properties.TopicArn as { Ref: string }).Ref.replace(/[A-F0-9]{8}$/, '')} ${r.Properties.Protocol} ${r.Properties.Endpoint}`,
        );
    expect(subscriptions('prod')).toEqual([
      'MonitoringPage email risk-gate-oncall@example.com',
      'MonitoringTicket email risk-gate-sre@example.com',
    ]);
    expect(subscriptions('dev')).toEqual([
      'MonitoringPage email risk-gate-dev@example.com',
      'MonitoringTicket email risk-gate-dev@example.com',
    ]);
  });

  it("lets CloudWatch publish to topics under the stage key, and only from this account's alarms", () => {
    const key = Object.values(resourcesOf('prod', 'stateful')).find((r) => r.Type === 'AWS::KMS::Key');
    const statements = (key?.Properties.KeyPolicy as { Statement: { Sid?: string }[] } | undefined)?.Statement ?? [];
    const statement = JSON.stringify(statements.find((st) => st.Sid === 'CloudWatchAlarmsPublishToAlarmTopics'));
    expect(statement).toContain('cloudwatch.amazonaws.com');
    expect(statement).toContain('kms:GenerateDataKey*');
    expect(statement).toContain('aws:SourceArn');
  });

  it('draws every resource kind on the risk-gate-<stage>-resources dashboard', () => {
    const dashboard = Object.values(resourcesOf('prod', 'stateless')).find(
      (r) => r.Type === 'AWS::CloudWatch::Dashboard' && r.Properties.DashboardName === 'risk-gate-prod-resources',
    );
    const body = JSON.stringify(dashboard?.Properties.DashboardBody ?? '');
    const namespaces = [
      'AWS/Lambda',
      'AWS/ApiGateway',
      'AWS/Kinesis',
      'AWS/SQS',
      'ECS/ContainerInsights',
      'AWS/RDS',
      'AWS/ElastiCache',
    ];
    expect(namespaces.filter((ns) => !body.includes(ns))).toEqual([]);
  });
});

describe('Directory: docs/runbooks/alarms', () => {
  it('links only files and headings that exist (the runbooks point at each other and at the docs)', () => {
    const files = readdirSync('docs/runbooks/alarms').map((f) => path.join('docs/runbooks/alarms', f));
    const broken: string[] = [];
    for (const file of [...files, 'docs/runbooks/README.md']) {
      for (const [, link] of readFileSync(file, 'utf8').matchAll(/\]\(([^)\s]+)\)/g)) {
        if (!link || /^https?:/.test(link)) continue;
        const [target, anchor] = link.split('#') as [string, string | undefined];
        const resolved = target ? path.join(path.dirname(file), target) : file;
        if (!existsSync(resolved)) broken.push(`${file}: ${link} (no file)`);
        else if (anchor && resolved.endsWith('.md') && !headingsOf(resolved).map(anchorOf).includes(anchor)) {
          broken.push(`${file}: ${link} (no heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
  });
});

describe('File: docs/runbooks/README.md', () => {
  it('lists every alarm runbook', () => {
    const index = readFileSync('docs/runbooks/README.md', 'utf8');
    const runbooks = readdirSync('docs/runbooks/alarms').filter((f) => f.endsWith('.md'));
    expect(runbooks.filter((f) => !index.includes(`(alarms/${f})`))).toEqual([]);
  });
});
