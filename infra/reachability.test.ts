import path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEPLOY_STAGES, type DeployStage } from './config/stages.js';
import { FunctionWithLogGroup } from './constructs/function-with-log-group.js';
import { stacksOf, synthApp } from './test-helpers.js';

/**
 * Every AWS API a function's code calls is reachable from where it runs, and allowed. The
 * calls are read from the function's own import graph as esbuild bundles it (the
 * `@aws-sdk/client-<service>` commands that end up in the bundle, tree-shaken, so a client
 * imported but never used does not count). The path and the permission are read from the
 * synthesised templates of every stage: a function outside a VPC reaches AWS over the
 * internet; one inside needs an egress rule for 443 and either an interface endpoint of the
 * service (private DNS, its security group open to the function) or a NAT route, and its
 * role needs `<service>:<Command>` for each command.
 */
const ROOT = path.resolve(import.meta.dirname, '..');

/** SDK package suffix -> IAM prefix and the interface endpoint's service name suffix. */
const SERVICES: Record<string, { iam: string; endpoint: RegExp }> = {
  sqs: { iam: 'sqs', endpoint: /\.sqs$/ },
  kinesis: { iam: 'kinesis', endpoint: /\.kinesis-streams$/ },
  'secrets-manager': { iam: 'secretsmanager', endpoint: /\.secretsmanager$/ },
  eventbridge: { iam: 'events', endpoint: /\.events$/ },
  sns: { iam: 'sns', endpoint: /\.sns$/ },
  cloudwatch: { iam: 'cloudwatch', endpoint: /\.monitoring$/ },
  'timestream-write': { iam: 'timestream', endpoint: /\.timestream\.ingest-[a-z0-9-]+$/ },
  rds: { iam: 'rds', endpoint: /\.rds$/ },
  elasticache: { iam: 'elasticache', endpoint: /\.elasticache$/ },
};

/**
 * Commands a bundle holds that the unit never sends in a deployed stage, each with the reason
 * and the template fact that keeps the reason true (checked against the function's environment).
 */
const NOT_SENT: readonly {
  readonly entry: string;
  readonly action: RegExp;
  readonly while: (env: Record<string, unknown>) => boolean;
  readonly reason: string;
}[] = [
  {
    entry: 'functions/partition-maintenance/handler.ts',
    action: /^secretsmanager:GetSecretValue$/,
    while: (env) => env.DATABASE_AUTH === 'iam',
    reason: 'connectDatabase reads a password secret only with DATABASE_AUTH=secret; stages use IAM auth',
  },
  {
    entry: 'functions/db-migrator/handler.ts',
    action: /^secretsmanager:GetSecretValue$/,
    while: (env) => env.DATABASE_AUTH === 'iam',
    reason: 'the migrator connects to PostgreSQL only (connectDatabase, IAM auth); its Redis settings go unread',
  },
  {
    entry: 'functions/kill-executor/handler.ts',
    action: /^secretsmanager:(CreateSecret|PutSecretValue)$/,
    while: () => true,
    reason: 'KrakenKeyStore.store is in the class the executor reads keys with; only the admin API stores keys',
  },
  {
    entry: 'functions/market-evaluator/handler.ts',
    action: /^timestream:/,
    while: (env) => env.TIME_SERIES_SINK === 'aurora',
    reason: 'the Timestream sink is built only with TIME_SERIES_SINK=timestream',
  },
];

interface SdkCall {
  readonly service: string;
  readonly command: string;
}

/** The SDK commands each entry's bundle keeps (one esbuild pass over all entries). */
async function sdkCallsByEntry(entries: readonly string[]): Promise<Map<string, SdkCall[]>> {
  const result = await build({
    entryPoints: entries.map((entry) => path.join(ROOT, entry)),
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    mainFields: ['module', 'main'],
    outdir: path.join(ROOT, '.local', 'reachability'),
    outbase: ROOT,
    logLevel: 'silent',
  });
  const calls = new Map<string, SdkCall[]>();
  for (const output of Object.values(result.metafile.outputs)) {
    if (!output.entryPoint) continue;
    const found = new Map<string, SdkCall>();
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /node_modules\/@aws-sdk\/client-([a-z0-9-]+)\/dist-es\/commands\/(\w+)Command\.js$/.exec(input);
      if (match && bytesInOutput > 0) {
        const [, service, command] = match as unknown as [string, string, string];
        found.set(`${service}:${command}`, { service, command });
      }
    }
    calls.set(path.relative(ROOT, path.resolve(ROOT, output.entryPoint)), [...found.values()]);
  }
  return calls;
}

// CloudFormation JSON, read loosely: the assertions below say what they expect of it.
// biome-ignore lint/suspicious/noExplicitAny: template fragments are untyped JSON
type Json = any;

interface Template {
  readonly name: string;
  readonly resources: Record<string, { Type: string; Properties?: Json }>;
  readonly outputs: Record<string, { Value: Json; Export?: { Name: string } }>;
}

interface Target {
  readonly template: Template;
  readonly id: string;
}

/** The stage's templates, with cross-stack imports resolved to the exporting resource. */
class StageTemplates {
  constructor(readonly templates: readonly Template[]) {}

  resolve(template: Template, value: Json): Target | undefined {
    if (value?.Ref) return { template, id: value.Ref };
    if (value?.['Fn::GetAtt']) return { template, id: value['Fn::GetAtt'][0] };
    const imported = value?.['Fn::ImportValue'];
    if (typeof imported === 'string') {
      for (const other of this.templates) {
        const output = Object.values(other.outputs).find((o) => o.Export?.Name === imported);
        if (output) return this.resolve(other, output.Value);
      }
    }
    return undefined;
  }

  resource(target: Target) {
    return target.template.resources[target.id] as { Type: string; Properties: Json };
  }

  same(a: Target | undefined, b: Target | undefined): boolean {
    return !!a && !!b && a.template.name === b.template.name && a.id === b.id;
  }

  /** Every resource of a type across the stage's stacks. */
  *all(type: string): Generator<Target & { properties: Json }> {
    for (const template of this.templates)
      for (const [id, resource] of Object.entries(template.resources))
        if (resource.Type === type) yield { template, id, properties: resource.Properties ?? {} };
  }

  /** Rules of a security group in one direction (inline and separate resources). */
  rules(group: Target, direction: 'Egress' | 'Ingress'): Json[] {
    const inline = this.resource(group).Properties?.[`SecurityGroup${direction}`] ?? [];
    const separate = [...this.all(`AWS::EC2::SecurityGroup${direction}`)]
      .filter((rule) => this.same(this.resolve(rule.template, rule.properties.GroupId), group))
      .map((rule) => ({ ...rule.properties, template: rule.template }));
    return [...inline.map((rule: Json) => ({ ...rule, template: group.template })), ...separate];
  }
}

const ipv4 = (ip: string) => ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
/** Whether CIDR `outer` holds all of `inner`. */
function cidrContains(outer: string, inner: string): boolean {
  const [outerIp, outerBits] = outer.split('/') as [string, string];
  const [innerIp, innerBits] = inner.split('/') as [string, string];
  if (Number(innerBits) < Number(outerBits)) return false;
  const size = 2 ** (32 - Number(outerBits));
  return Math.floor(ipv4(outerIp) / size) === Math.floor(ipv4(innerIp) / size);
}

const allowsHttps = (rule: Json) =>
  rule.IpProtocol === '-1' || (rule.IpProtocol === 'tcp' && rule.FromPort <= 443 && rule.ToPort >= 443);

/** IAM action patterns (`sqs:Send*`, `*`) as a matcher. */
function actionMatches(pattern: string, action: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i');
  return regex.test(action);
}

interface FunctionUnderTest {
  readonly stage: DeployStage;
  readonly name: string;
  readonly entry: string;
  readonly functionTarget: Target;
  readonly roleTarget: Target;
}

let stages: Map<DeployStage, StageTemplates>;
let functions: FunctionUnderTest[];
let calls: Map<string, SdkCall[]>;

beforeAll(async () => {
  const app = synthApp({}, { bundle: false });
  stages = new Map();
  functions = [];
  for (const stage of DEPLOY_STAGES) {
    const stacks = stacksOf(app).filter((s) => s.stackName.startsWith(`risk-gate-${stage}-`));
    const assembly = app.synth().getNestedAssembly(`assembly-risk-gate-${stage}`);
    const templates = stacks.map((s) => {
      const json = assembly.getStackByName(s.stackName).template as Json;
      return { name: s.stackName, resources: json.Resources ?? {}, outputs: json.Outputs ?? {} };
    });
    const view = new StageTemplates(templates);
    stages.set(stage, view);
    for (const fn of app.node.findAll().filter((c): c is FunctionWithLogGroup => c instanceof FunctionWithLogGroup)) {
      const stack = Stack.of(fn);
      if (!stack.stackName.startsWith(`risk-gate-${stage}-`)) continue;
      const template = templates.find((t) => t.name === stack.stackName) as Template;
      const logicalId = (c: { node: { defaultChild?: unknown } }) =>
        stack.getLogicalId(c.node.defaultChild as Parameters<Stack['getLogicalId']>[0]);
      functions.push({
        stage,
        name: fn.node.path,
        entry: fn.entry,
        functionTarget: { template, id: logicalId(fn.function) },
        roleTarget: { template, id: logicalId(fn.role) },
      });
    }
  }
  calls = await sdkCallsByEntry([...new Set(functions.map((f) => f.entry))]);
}, 180_000);

/** Why `fn` cannot reach `service`'s API, or undefined when it can. */
function unreachable(view: StageTemplates, fn: FunctionUnderTest, service: string): string | undefined {
  const vpcConfig = view.resource(fn.functionTarget).Properties.VpcConfig;
  if (!vpcConfig) return undefined; // outside a VPC: Lambda's own internet access
  const template = fn.functionTarget.template;
  const subnets = (vpcConfig.SubnetIds as Json[]).map((s) => view.resolve(template, s) as Target);
  const groups = (vpcConfig.SecurityGroupIds as Json[]).map((g) => view.resolve(template, g) as Target);
  const subnetCidrs = subnets.map((s) => view.resource(s).Properties.CidrBlock as string);
  const egress = groups.flatMap((g) => view.rules(g, 'Egress')).filter(allowsHttps);

  // An interface endpoint with private DNS, reachable on 443 both ways.
  for (const endpoint of view.all('AWS::EC2::VPCEndpoint')) {
    const { properties } = endpoint;
    if (properties.VpcEndpointType !== 'Interface' || properties.PrivateDnsEnabled !== true) continue;
    const serviceName = typeof properties.ServiceName === 'string' ? properties.ServiceName : '';
    if (!SERVICES[service]?.endpoint.test(serviceName)) continue;
    const endpointCidrs = (properties.SubnetIds as Json[]).map(
      (s) => view.resource(view.resolve(endpoint.template, s) as Target).Properties.CidrBlock as string,
    );
    const out = egress.some((rule) =>
      rule.CidrIp
        ? endpointCidrs.every((cidr) => cidrContains(rule.CidrIp, cidr))
        : (properties.SecurityGroupIds as Json[]).some((g) =>
            view.same(view.resolve(endpoint.template, g), view.resolve(rule.template, rule.DestinationSecurityGroupId)),
          ),
    );
    const endpointGroups = (properties.SecurityGroupIds as Json[]).map(
      (g) => view.resolve(endpoint.template, g) as Target,
    );
    const inbound = endpointGroups
      .flatMap((g) => view.rules(g, 'Ingress'))
      .filter(allowsHttps)
      .some((rule) =>
        rule.CidrIp
          ? subnetCidrs.every((cidr) => cidrContains(rule.CidrIp, cidr))
          : groups.some((g) => view.same(g, view.resolve(rule.template, rule.SourceSecurityGroupId))),
      );
    if (out && inbound) return undefined;
  }

  // Or NAT: every subnet's default route goes to a NAT gateway and 443 may leave for anywhere.
  const natEverywhere = subnets.every((subnet) => {
    const association = [...view.all('AWS::EC2::SubnetRouteTableAssociation')].find((a) =>
      view.same(view.resolve(a.template, a.properties.SubnetId), subnet),
    );
    if (!association) return false;
    const table = view.resolve(association.template, association.properties.RouteTableId);
    return [...view.all('AWS::EC2::Route')].some(
      (route) =>
        view.same(view.resolve(route.template, route.properties.RouteTableId), table) &&
        route.properties.DestinationCidrBlock === '0.0.0.0/0' &&
        route.properties.NatGatewayId,
    );
  });
  if (natEverywhere && egress.some((rule) => rule.CidrIp === '0.0.0.0/0')) return undefined;
  return `no ${service} interface endpoint it can reach on 443 and no NAT egress on 443`;
}

/** The IAM actions `fn`'s role is allowed (from every policy attached to it). */
function allowedActions(view: StageTemplates, fn: FunctionUnderTest): string[] {
  const actions: string[] = [];
  for (const policy of view.all('AWS::IAM::Policy')) {
    const roles = (policy.properties.Roles ?? []) as Json[];
    if (!roles.some((r) => view.same(view.resolve(policy.template, r), fn.roleTarget))) continue;
    for (const statement of policy.properties.PolicyDocument.Statement as Json[]) {
      if (statement.Effect !== 'Allow') continue;
      actions.push(...(Array.isArray(statement.Action) ? statement.Action : [statement.Action]));
    }
  }
  return actions;
}

describe('Reachability: every AWS API a function calls', () => {
  it('finds the SDK calls the code makes (the evaluators park poison records in SQS)', () => {
    // Assess: the scan sees what the issue names, so an empty scan cannot pass the checks below.
    const sqsSenders = [...calls.entries()]
      .filter(([, c]) => c.some((call) => call.service === 'sqs' && call.command === 'SendMessage'))
      .map(([entry]) => entry);
    expect(sqsSenders).toEqual(
      expect.arrayContaining(['functions/market-evaluator/handler.ts', 'functions/positions/handler.ts']),
    );
    expect(functions.length).toBeGreaterThanOrEqual(DEPLOY_STAGES.length * 10);
    // Every acknowledgement still names a command its bundle holds (none outlives its reason).
    const stale = NOT_SENT.filter(
      (n) =>
        !(calls.get(n.entry) ?? []).some((call) => n.action.test(`${SERVICES[call.service]?.iam}:${call.command}`)),
    );
    expect(stale.map((n) => `${n.entry} ${n.action}`)).toEqual([]);
  });

  it.each(DEPLOY_STAGES)('%s: has a network path and the IAM action for each call', (stage) => {
    // Prepare
    const view = stages.get(stage) as StageTemplates;
    const problems: string[] = [];
    const encryptedQueueSenders: string[] = [];

    // Act
    for (const fn of functions.filter((f) => f.stage === stage)) {
      const env = view.resource(fn.functionTarget).Properties.Environment?.Variables ?? {};
      const used = (calls.get(fn.entry) ?? []).filter(
        (call) =>
          !NOT_SENT.some(
            (n) =>
              n.entry === fn.entry &&
              n.action.test(`${SERVICES[call.service]?.iam ?? call.service}:${call.command}`) &&
              n.while(env),
          ),
      );
      const allowed = allowedActions(view, fn);
      for (const service of new Set(used.map((c) => c.service))) {
        if (!SERVICES[service]) {
          problems.push(`${fn.name}: calls @aws-sdk/client-${service}, which this test does not know`);
          continue;
        }
        const why = unreachable(view, fn, service);
        if (why) problems.push(`${fn.name} (${fn.entry}): ${why}`);
      }
      for (const call of used) {
        const action = `${SERVICES[call.service]?.iam ?? call.service}:${call.command}`;
        if (!allowed.some((pattern) => actionMatches(pattern, action)))
          problems.push(`${fn.name} (${fn.entry}): role lacks ${action}`);
      }
      // A message to a queue under a customer key: SQS asks KMS with the sender's rights.
      if (used.some((call) => call.service === 'sqs' && call.command === 'SendMessage')) {
        for (const value of Object.values(env)) {
          const queue = view.resolve(fn.functionTarget.template, value);
          const resource = queue && view.resource(queue);
          if (resource?.Type !== 'AWS::SQS::Queue' || !resource.Properties?.KmsMasterKeyId) continue;
          encryptedQueueSenders.push(fn.entry);
          for (const action of ['kms:GenerateDataKey', 'kms:Decrypt'])
            if (!allowed.some((pattern) => actionMatches(pattern, action)))
              problems.push(`${fn.name} (${fn.entry}): sends to a KMS-encrypted queue without ${action}`);
        }
      }
    }

    // Assess
    expect(problems).toEqual([]);
    // The poison-record DLQs are under the stage key, so the KMS rule above did run for them.
    expect(encryptedQueueSenders).toEqual(
      expect.arrayContaining(['functions/market-evaluator/handler.ts', 'functions/positions/handler.ts']),
    );
  });
});
