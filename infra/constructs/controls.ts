import { Duration, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { KILL_SWITCH_TRIGGERED } from '../../shared/domain/controls/kill-switch.js';
import { krakenKeySecretPrefix, ROUTES, SERVICE_NAME } from '../../shared/names.js';
import type { StageConfig } from '../config/stages.js';
import { NagSuppressions } from '../nag.js';
import { acknowledgeScanFindings } from '../scan-acknowledgements.js';
import type { StatefulStack } from '../stacks/stateful-stack.js';
import { FunctionWithLogGroup } from './function-with-log-group.js';
import { grantKeyViaService, grantSecretRead, grantSecretWrite, secretArnPattern } from './grants.js';
import { controlEnvironment, functionPlacement, grantStoreAccess, storeEnvironment } from './store-access.js';

export interface ControlsProps {
  readonly stageConfig: StageConfig;
  readonly stateful: StatefulStack;
  /** The REST API the admin routes join (under /v1/admin, IAM auth). */
  readonly api: apigw.RestApi;
  /** Seconds for Kraken's dead man's switch after a kill. @default 0 (off) */
  readonly deadMansSwitchSeconds?: number;
  readonly rdsCaLayer?: lambda.ILayerVersion;
}

/**
 * Risk managers' controls: the admin API (kill switch, limits, Kraken keys) on its own
 * Lambda and routes, an EventBridge bus carrying KILL_SWITCH_TRIGGERED to the kill
 * executor (CancelAll on Kraken, with retries and a DLQ), an SNS topic for the desk's
 * notifications, and two roles: strategies may call only trading routes; risk managers
 * may call admin routes only from an MFA session.
 */
export class Controls extends Construct {
  readonly bus: events.EventBus;
  readonly topic: sns.Topic;
  readonly admin: FunctionWithLogGroup;
  readonly executor: FunctionWithLogGroup;
  readonly riskManagerRole: iam.Role;
  readonly strategyRole: iam.Role;

  constructor(scope: Construct, id: string, props: ControlsProps) {
    super(scope, id);
    const { stageConfig, stateful, api } = props;
    const stack = Stack.of(this);

    this.bus = new events.EventBus(this, 'Bus', {});
    this.topic = new sns.Topic(this, 'Notifications', {
      masterKey: kms.Alias.fromAliasName(this, 'SnsKey', 'alias/aws/sns'),
      enforceSSL: true,
    });

    const krakenUrl = 'https://api.kraken.com';
    this.admin = new FunctionWithLogGroup(this, 'AdminApi', {
      entry: 'functions/admin-api/handler.ts',
      stageConfig,
      memorySize: 512,
      environment: {
        ...storeEnvironment(stateful, 'adminApi', props.rdsCaLayer),
        ...controlEnvironment(stageConfig),
        KILL_EVENT_BUS_NAME: this.bus.eventBusName,
        KILL_NOTIFY_TOPIC_ARN: this.topic.topicArn,
        KRAKEN_REST_URL: krakenUrl,
        KRAKEN_KEYS_KMS_KEY_ID: stateful.dataKey.keyArn,
      },
      functionProps: {
        ...functionPlacement(stateful, { internetEgress: true, rdsCaLayer: props.rdsCaLayer }),
        reservedConcurrentExecutions: stageConfig.reservedConcurrency.adminApi,
      },
    });
    acknowledgeScanFindings(this.admin.function, [
      {
        id: 'CKV_AWS_116',
        reason: 'Invoked synchronously by API Gateway: the caller gets the error, nothing is queued.',
      },
    ]);
    grantStoreAccess(this.admin.role, stateful, 'adminApi');
    this.bus.grantPutEventsTo(this.admin.role);
    this.topic.grantPublish(this.admin.role);
    // The desk console's metric series (GET /v1/admin/metrics, CloudWatchMetricsSource).
    this.admin.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['cloudwatch:GetMetricData'], resources: ['*'] }),
    );
    const krakenKeys = secretArnPattern(this.admin.role, krakenKeySecretPrefix(stageConfig.stage));
    grantSecretWrite(this.admin.role, krakenKeys, stateful.dataKey);

    // Kill events that never completed: the rule parks what it could not deliver, the function
    // what still failed after Lambda's own two retries (before, a CancelAll that failed three
    // times vanished). Encrypted with the stage key, whose policy lets EventBridge use it.
    const deadLetters = new sqs.Queue(this, 'KillExecutorDlq', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: stateful.dataKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.executor = new FunctionWithLogGroup(this, 'KillExecutor', {
      entry: 'functions/kill-executor/handler.ts',
      stageConfig,
      memorySize: 512,
      timeout: Duration.seconds(60),
      environment: {
        ...storeEnvironment(stateful, 'killExecutor', props.rdsCaLayer),
        KILL_EVENT_BUS_NAME: this.bus.eventBusName,
        KRAKEN_REST_URL: krakenUrl,
        DEAD_MANS_SWITCH_SECONDS: String(props.deadMansSwitchSeconds ?? 0),
      },
      functionProps: {
        ...functionPlacement(stateful, { internetEgress: true, rdsCaLayer: props.rdsCaLayer }),
        reservedConcurrentExecutions: stageConfig.reservedConcurrency.killExecutor,
        deadLetterQueue: deadLetters,
      },
    });
    // Lambda writes the dead letter with the function's role: SendMessage comes with the
    // deadLetterQueue prop, the key use does not.
    grantKeyViaService(this.executor.role, stateful.dataKey, 'sqs', ['kms:GenerateDataKey', 'kms:Decrypt']);
    grantStoreAccess(this.executor.role, stateful, 'killExecutor');
    grantSecretRead(this.executor.role, [krakenKeys], stateful.dataKey);
    this.bus.grantPutEventsTo(this.executor.role);

    new events.Rule(this, 'OnKillSwitch', {
      eventBus: this.bus,
      eventPattern: { source: [SERVICE_NAME], detailType: [KILL_SWITCH_TRIGGERED] },
      targets: [
        new targets.LambdaFunction(this.executor.function, {
          retryAttempts: 4,
          maxEventAge: Duration.minutes(10),
          deadLetterQueue: deadLetters,
        }),
      ],
    });

    // Admin routes: /v1/admin/{proxy+}, IAM auth, served by the admin Lambda.
    const adminResource = ROUTES.adminKillSwitch
      .split('/')
      .filter(Boolean)
      .slice(0, 2)
      .reduce<apigw.IResource>((parent, part) => parent.getResource(part) ?? parent.addResource(part), api.root);
    const validator = api.addRequestValidator('AdminValidator', {
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    adminResource.addProxy({
      anyMethod: true,
      defaultIntegration: new apigw.LambdaIntegration(this.admin.function, { proxy: true }),
      defaultMethodOptions: { authorizationType: apigw.AuthorizationType.IAM, requestValidator: validator },
    });

    const invokeArn = (path: string) =>
      stack.formatArn({
        service: 'execute-api',
        resource: api.restApiId,
        resourceName: `${api.deploymentStage.stageName}/*${path}`,
      });
    this.riskManagerRole = new iam.Role(this, 'RiskManagerRole', {
      description: 'Risk managers: admin routes (kill switch, limits, Kraken keys), only from an MFA session',
      assumedBy: new iam.AccountRootPrincipal().withConditions({ Bool: { 'aws:MultiFactorAuthPresent': 'true' } }),
      maxSessionDuration: Duration.hours(1),
    });
    this.riskManagerRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['execute-api:Invoke'],
        resources: [invokeArn('/v1/admin/*')],
        conditions: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
      }),
    );
    this.strategyRole = new iam.Role(this, 'StrategyRole', {
      description: 'Trading strategies: validation and decision history only',
      assumedBy: new iam.AccountRootPrincipal(),
    });
    this.strategyRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['execute-api:Invoke'],
        resources: [invokeArn(ROUTES.validate), invokeArn(ROUTES.decisions), invokeArn(ROUTES.health)],
      }),
    );

    NagSuppressions.addResourceSuppressions(
      [this.admin.role, this.executor.role, this.riskManagerRole, this.strategyRole],
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'Wildcards are bounded: Kraken key secrets by the stage prefix (one secret per account, created at rotation), ' +
            'execute-api by stage and route prefix, rds-db:connect by proxy id; X-Ray, ENI and CloudWatch GetMetricData permissions allow no resource scoping.',
        },
      ],
      true,
    );
    NagSuppressions.addResourceSuppressions(deadLetters, [
      {
        id: 'AwsSolutions-SQS3',
        reason: 'This queue is itself the dead-letter queue of the kill executor and its rule.',
      },
    ]);
    NagSuppressions.addResourceSuppressions(
      api,
      [
        {
          id: 'AwsSolutions-COG4',
          reason: 'Admin callers are risk managers with IAM roles that require MFA (SigV4), not Cognito users.',
        },
      ],
      true,
    );
  }
}
