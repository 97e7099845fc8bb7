import type { App } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { STAGE_CONFIGS } from './config/stages.js';
import { stageOf, synthApp, templateOf } from './test-helpers.js';

let app: App;
let prod: Template;
let dev: Template;

beforeAll(() => {
  // Templates only: no assertion here reads a bundle.
  app = synthApp({}, { bundle: false });
  prod = templateOf(stageOf(app, 'prod').stateless);
  dev = templateOf(stageOf(app, 'dev').stateless);
}, 120_000);

/** Logical id of the trading API (the stateless stack also holds the console's Cognito API). */
function tradingApiId(): string {
  const apis = Object.entries(prod.findResources('AWS::ApiGateway::RestApi'));
  const trading = apis.find(([, r]) => String(r.Properties.Description).includes('trading API'));
  if (!trading) throw new Error('no trading API in the prod stateless template');
  return trading[0];
}

describe('Construct: RiskApi', () => {
  it('authenticates every method with IAM (SigV4) and requires an API key on trading routes', () => {
    const methods = prod.findResources('AWS::ApiGateway::Method');
    // The trading API's methods (the console's own API, Cognito-authorised, is infra/console.test.ts's).
    const real = Object.values(methods).filter(
      (m) => m.Properties.HttpMethod !== 'OPTIONS' && JSON.stringify(m.Properties.RestApiId).includes(tradingApiId()),
    );
    expect(real.length).toBe(4); // validate, decisions, health, admin proxy
    for (const method of real) expect(method.Properties.AuthorizationType).toBe('AWS_IAM');
    const keyed = real.filter((m) => m.Properties.ApiKeyRequired === true);
    expect(keyed.length).toBe(2);
  });

  it('validates the order body against the zod-generated model before the Lambda runs', () => {
    prod.hasResourceProperties('AWS::ApiGateway::RequestValidator', {
      ValidateRequestBody: true,
      ValidateRequestParameters: true,
    });
    prod.hasResourceProperties('AWS::ApiGateway::Model', {
      ContentType: 'application/json',
      // New orders, amends and cancels: every form names the order; a new order also its quantity.
      Schema: Match.objectLike({
        required: Match.arrayWith(['account_id', 'order_id']),
        oneOf: Match.arrayWith([Match.objectLike({ required: Match.arrayWith(['quantity']) })]),
      }),
    });
  });

  it('protects the stage with WAF (rate-based rule), access logs, X-Ray and a throttled usage plan', () => {
    prod.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      Rules: Match.arrayWith([
        Match.objectLike({
          Statement: {
            RateBasedStatement: { Limit: STAGE_CONFIGS.prod.api.wafRateLimitPer5Min, AggregateKeyType: 'IP' },
          },
        }),
      ]),
    });
    const associations = Object.values(prod.findResources('AWS::WAFv2::WebACLAssociation'));
    expect(associations.filter((a) => JSON.stringify(a.Properties).includes(`"${tradingApiId()}"`))).toHaveLength(1);
    prod.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'prod',
      TracingEnabled: true,
      AccessLogSetting: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
    prod.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Throttle: {
        RateLimit: STAGE_CONFIGS.prod.api.throttleRatePerSecond,
        BurstLimit: STAGE_CONFIGS.prod.api.throttleBurst,
      },
    });
  });

  it('runs the risk-api Lambda in the VPC, TLS to both stores, IAM auth to the proxy', () => {
    prod.hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: Match.objectLike({ SubnetIds: Match.anyValue(), SecurityGroupIds: Match.anyValue() }),
      Environment: {
        Variables: Match.objectLike({
          REDIS_TLS: 'true',
          ACCOUNT_FEED_REQUIRED: 'true',
          DATABASE_TLS: 'true',
          DATABASE_AUTH: 'iam',
          AUDIT_MIN_REPLICA_ACKS: '1',
          DATABASE_CA_FILE: '/opt/rds-ca/rds-ca-bundle.pem',
          SIMULATION_MODE: 'false',
        }),
      },
    });
  });

  it('no longer hands the risk API the retired RISK_STATE switch', () => {
    const variables = Object.values(prod.findResources('AWS::Lambda::Function')).map(
      (fn) =>
        (fn as { Properties: { Environment?: { Variables?: Record<string, unknown> } } }).Properties.Environment
          ?.Variables ?? {},
    );
    expect(variables.filter((v) => 'RISK_STATE' in v)).toEqual([]);
  });

  it('makes the admin API wait for a cache replica on kill switch writes in prod, and for none in dev (no replica)', () => {
    // Prepare
    const adminEnv = (template: Template) =>
      Object.entries(template.findResources('AWS::Lambda::Function'))
        .filter(([id]) => id.includes('AdminApi'))
        .map(([, fn]) => fn.Properties.Environment.Variables as Record<string, unknown>);

    // Assess: functions/admin-api/config.ts refuses CONTROL_MIN_REPLICA_ACKS < 1 when STAGE=prod.
    expect(adminEnv(prod)).toEqual([expect.objectContaining({ CONTROL_MIN_REPLICA_ACKS: '1' })]);
    expect(adminEnv(dev)).toEqual([expect.objectContaining({ CONTROL_MIN_REPLICA_ACKS: '0' })]);
  });

  it('runs the AWS managed rule groups besides the rate rule, and logs WAF to aws-waf-logs-* without auth headers', () => {
    const groups = [
      'AWSManagedRulesCommonRuleSet',
      'AWSManagedRulesKnownBadInputsRuleSet',
      'AWSManagedRulesAmazonIpReputationList',
    ];
    prod.hasResourceProperties('AWS::WAFv2::WebACL', {
      Rules: Match.arrayWith(
        groups.map((name) =>
          Match.objectLike({ Statement: { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: name } } }),
        ),
      ),
    });
    const wafLogs = Object.values(prod.findResources('AWS::Logs::LogGroup')).filter((group) =>
      JSON.stringify(group.Properties.LogGroupName ?? '').includes('aws-waf-logs-risk-gate-prod-api-'),
    );
    expect(wafLogs).toHaveLength(1);
    expect(JSON.stringify(wafLogs[0]?.Properties.LogGroupName)).toContain('AWS::StackId');
    prod.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', {
      RedactedFields: [
        { SingleHeader: { Name: 'authorization' } },
        { SingleHeader: { Name: 'x-amz-security-token' } },
        { SingleHeader: { Name: 'x-api-key' } },
      ],
    });
  });

  it('keeps provisioned concurrency where the stage config asks for it', () => {
    prod.hasResourceProperties('AWS::Lambda::Alias', {
      Name: 'live',
      ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: STAGE_CONFIGS.prod.api.provisionedConcurrency },
    });
    dev.hasResourceProperties('AWS::Lambda::Alias', { Name: 'live', ProvisionedConcurrencyConfig: Match.absent() });
  });

  it('schedules the audit drainer every minute with a single concurrent copy', () => {
    prod.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)' });
    prod.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 1 });
  });

  it('reads only the Redis auth secret, decrypting through Secrets Manager alone', () => {
    const policies = JSON.stringify(prod.findResources('AWS::IAM::Policy'));
    expect(policies).toContain('secretsmanager:GetSecretValue');
    expect(policies).toContain('kms:ViaService');
    expect(policies).not.toContain('"secretsmanager:*"');
  });
});

describe('Construct: Controls', () => {
  it('serves /v1/admin/{proxy+} on the admin Lambda with IAM auth', () => {
    prod.hasResourceProperties('AWS::ApiGateway::Method', { HttpMethod: 'ANY', AuthorizationType: 'AWS_IAM' });
    prod.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: '{proxy+}' });
  });

  it('lets risk managers assume their role only with MFA, and strategies only reach trading routes', () => {
    prod.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } })],
      }),
      MaxSessionDuration: 3600,
    });
    const policies = Object.values(prod.findResources('AWS::IAM::Policy')).map((p) => JSON.stringify(p));
    const strategy = policies.find((p) => p.includes('StrategyRole'));
    expect(strategy).toContain('/v1/risk/validate');
    expect(strategy).not.toContain('/v1/admin');
    const manager = policies.find((p) => p.includes('RiskManagerRole'));
    expect(manager).toContain('/v1/admin/*');
    expect(manager).toContain('aws:MultiFactorAuthPresent');
  });

  it('drives the kill executor from KILL_SWITCH_TRIGGERED with retries and an encrypted DLQ', () => {
    prod.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['risk-gate'], 'detail-type': ['KILL_SWITCH_TRIGGERED'] },
      Targets: [
        Match.objectLike({
          RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 4 }),
          DeadLetterConfig: Match.anyValue(),
        }),
      ],
    });
    // The stage key (EventBridge may use it), and the function's own DLQ behind Lambda's retries.
    const stageKey = Match.objectLike({ 'Fn::ImportValue': Match.stringLikeRegexp('DataKey') });
    prod.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: stageKey });
    prod.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      DeadLetterConfig: { TargetArn: Match.anyValue() },
      ReservedConcurrentExecutions: STAGE_CONFIGS.prod.reservedConcurrency.killExecutor,
    });
    prod.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
  });

  it('lets the admin Lambda write only Kraken key secrets of its own stage', () => {
    const policies = JSON.stringify(prod.findResources('AWS::IAM::Policy'));
    expect(policies).toContain('secret:risk-gate/prod/kraken/*');
    expect(policies).toContain('secretsmanager:PutSecretValue');
  });
});

describe('Construct: Observability', () => {
  it('builds the stage dashboard and one alarm per spec, each notifying the desk topic', async () => {
    const { ALARMS, NAMESPACE } = await import('../dashboards/panels.js');
    // This one and the per-resource dashboard of infra/constructs/monitoring.ts.
    prod.resourceCountIs('AWS::CloudWatch::Dashboard', 2);
    const alarms = Object.values(prod.findResources('AWS::CloudWatch::Alarm'));
    // The panel-list alarms; a function's own Errors alarm (AWS/Lambda) is its construct's.
    const ours = alarms.filter(
      (a) =>
        a.Properties.Namespace === NAMESPACE &&
        JSON.stringify(a.Properties.AlarmDescription ?? '').includes('Runbook:'),
    );
    // The SLO burn-rate window alarms (their composites page) read the same namespace.
    const windows = ours.filter((a) => /window\./.test(JSON.stringify(a.Properties.AlarmDescription)));
    expect(ours.length - windows.length).toBe(ALARMS.length);
    for (const alarm of ours) {
      expect(alarm.Properties.AlarmActions).toHaveLength(1);
      expect(alarm.Properties.Namespace).toBe('RiskGate');
    }
  });
});
