import { Duration } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { orderRequestModelSchema } from '../../functions/risk-api/openapi.js';
import { ROUTES } from '../../shared/names.js';
import { type ApiConfig, retainPolicy, type StageConfig } from '../config/stages.js';
import { NagSuppressions } from '../nag.js';
import { acknowledgeScanFindings } from '../scan-acknowledgements.js';
import type { StatefulStack } from '../stacks/stateful-stack.js';
import type { DatabaseClient } from './database.js';
import { FunctionWithLogGroup } from './function-with-log-group.js';
import {
  acknowledgeDatabaseConnectWildcards,
  functionPlacement,
  grantStoreAccess,
  storeEnvironment,
} from './store-access.js';
import { logWebAcl, managedRuleGroup } from './web-acl.js';

export interface RiskApiProps {
  readonly stageConfig: StageConfig;
  /** Limits and sizing of the trading API. @default stageConfig.api */
  readonly apiConfig?: ApiConfig;
  readonly stateful: StatefulStack;
  readonly buildVersion: string;
  /** Layer holding the RDS CA bundle at /opt/rds-ca/rds-ca-bundle.pem. @default none (system CAs) */
  readonly rdsCaLayer?: lambda.ILayerVersion;
}

/**
 * The trading API: API Gateway REST (IAM auth, request validation, usage plan, WAF with a
 * rate rule and AWS managed rule groups, logged; access logs, X-Ray) in front of the risk-api Lambda in the VPC, plus the audit
 * drainer that copies decision records from the Redis spool into Aurora every second.
 */
export class RiskApi extends Construct {
  readonly api: apigw.RestApi;
  readonly function: FunctionWithLogGroup;
  readonly drainer: FunctionWithLogGroup;
  readonly alias: lambda.Alias;

  constructor(scope: Construct, id: string, props: RiskApiProps) {
    super(scope, id);
    const { stageConfig, stateful } = props;
    const apiConfig = props.apiConfig ?? stageConfig.api;
    const vpcPlacement = functionPlacement(stateful, { rdsCaLayer: props.rdsCaLayer });
    const storeEnv = (client: DatabaseClient) => ({
      ...storeEnvironment(stateful, client, props.rdsCaLayer),
      AUDIT_MIN_REPLICA_ACKS: String(apiConfig.auditMinReplicaAcks),
    });

    this.function = new FunctionWithLogGroup(this, 'Handler', {
      entry: 'functions/risk-api/handler.ts',
      stageConfig,
      memorySize: apiConfig.memoryMb,
      timeout: Duration.seconds(5),
      // A cold start answers an order: no map parsing at init (see FunctionWithLogGroupProps).
      runtimeSourceMaps: false,
      environment: {
        ...storeEnv('riskApi'),
        ACCOUNT_FEED_REQUIRED: String(apiConfig.accountFeedRequired),
        BUILD_VERSION: props.buildVersion,
      },
      functionProps: { ...vpcPlacement, reservedConcurrentExecutions: stageConfig.reservedConcurrency.riskApi },
    });
    acknowledgeScanFindings(this.function.function, [
      {
        id: 'CKV_AWS_116',
        reason: 'Invoked synchronously by API Gateway: the caller gets the error, nothing is queued.',
      },
    ]);
    this.drainer = new FunctionWithLogGroup(this, 'AuditDrainer', {
      entry: 'functions/audit-drainer/handler.ts',
      stageConfig,
      memorySize: 512,
      timeout: Duration.seconds(60),
      environment: storeEnv('auditDrainer'),
      functionProps: { ...vpcPlacement, reservedConcurrentExecutions: 1 },
    });
    grantStoreAccess(this.function.role, stateful, 'riskApi');
    grantStoreAccess(this.drainer.role, stateful, 'auditDrainer');
    acknowledgeScanFindings(this.drainer.function, [
      {
        id: 'CKV_AWS_116',
        reason: 'Scheduled every minute with an empty event: the next run drains what a failed one left in the spool.',
      },
    ]);
    new events.Rule(this, 'DrainEveryMinute', {
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [new targets.LambdaFunction(this.drainer.function, { retryAttempts: 0 })],
    });

    this.alias = new lambda.Alias(this, 'Live', {
      aliasName: 'live',
      version: this.function.function.currentVersion,
      provisionedConcurrentExecutions:
        apiConfig.provisionedConcurrency > 0 ? apiConfig.provisionedConcurrency : undefined,
    });

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: stageConfig.logRetention,
      removalPolicy: retainPolicy(stageConfig),
    });
    this.api = new apigw.RestApi(this, 'Api', {
      description: `risk-gate ${stageConfig.stage} trading API`,
      // API Gateway's metrics are keyed by API name and stage, not id: two APIs both named
      // after their construct id ('Api') would share metrics, and alarms, in a stage.
      restApiName: `risk-gate-${stageConfig.stage}-trading`,
      endpointTypes: [apigw.EndpointType.REGIONAL],
      cloudWatchRole: true,
      deployOptions: {
        stageName: stageConfig.stage,
        tracingEnabled: true,
        metricsEnabled: true,
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        throttlingRateLimit: apiConfig.throttleRatePerSecond,
        throttlingBurstLimit: apiConfig.throttleBurst,
        accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields(),
      },
      defaultMethodOptions: { authorizationType: apigw.AuthorizationType.IAM },
    });

    const integration = new apigw.LambdaIntegration(this.alias, { proxy: true });
    // API Gateway turns away malformed bodies and missing parameters before a Lambda runs;
    // the handler validates again with the same schema (defence in depth, same contract).
    const validator = this.api.addRequestValidator('Validator', {
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const orderModel = this.api.addModel('OrderRequest', {
      contentType: 'application/json',
      schema: orderRequestModelSchema() as apigw.JsonSchema,
    });

    const validate = resourceAt(this.api.root, ROUTES.validate);
    validate.addMethod('POST', integration, {
      apiKeyRequired: true,
      requestValidator: validator,
      requestModels: { 'application/json': orderModel },
    });
    resourceAt(this.api.root, ROUTES.decisions).addMethod('GET', integration, {
      apiKeyRequired: true,
      requestValidator: validator,
      requestParameters: { 'method.request.querystring.account_id': true, 'method.request.querystring.limit': false },
    });
    resourceAt(this.api.root, ROUTES.health).addMethod('GET', integration, { requestValidator: validator });

    // One usage plan per stage; each strategy gets its own API key attached to it.
    this.api.addUsagePlan('Strategies', {
      description: 'Per-strategy throttling of the trading routes',
      throttle: { rateLimit: apiConfig.throttleRatePerSecond, burstLimit: apiConfig.throttleBurst },
      apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
    });

    const waf = new wafv2.CfnWebACL(this, 'Waf', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: 'RiskGateApiWaf', sampledRequestsEnabled: true },
      rules: [
        {
          name: 'RateLimitPerIp',
          priority: 0,
          action: { block: {} },
          statement: { rateBasedStatement: { limit: apiConfig.wafRateLimitPer5Min, aggregateKeyType: 'IP' } },
          visibilityConfig: {
            cloudWatchMetricsEnabled: true,
            metricName: 'RateLimitPerIp',
            sampledRequestsEnabled: true,
          },
        },
        {
          name: 'AWSManagedCommon',
          priority: 1,
          overrideAction: { none: {} },
          statement: { managedRuleGroupStatement: { vendorName: 'AWS', name: 'AWSManagedRulesCommonRuleSet' } },
          visibilityConfig: {
            cloudWatchMetricsEnabled: true,
            metricName: 'AWSManagedCommon',
            sampledRequestsEnabled: true,
          },
        },
        // Log4Shell and other exploit payloads; sources on Amazon's threat-intelligence lists.
        managedRuleGroup('AWSManagedKnownBadInputs', 'AWSManagedRulesKnownBadInputsRuleSet', 2),
        managedRuleGroup('AWSManagedIpReputation', 'AWSManagedRulesAmazonIpReputationList', 3),
      ],
    });
    // SigV4 signatures, STS session tokens of role callers and API keys never reach the records.
    logWebAcl(this, waf, {
      stageConfig,
      purpose: 'api',
      redactedHeaders: ['authorization', 'x-amz-security-token', 'x-api-key'],
    });
    new wafv2.CfnWebACLAssociation(this, 'WafAssociation', {
      resourceArn: this.api.deploymentStage.stageArn,
      webAclArn: waf.attrArn,
    });

    NagSuppressions.addResourceSuppressions(
      this.api,
      [
        {
          id: 'AwsSolutions-COG4',
          reason: 'Callers are trading strategies (machines) authenticated with IAM SigV4, not Cognito users.',
        },
        {
          id: 'AwsSolutions-IAM4',
          reason:
            'API Gateway account-level CloudWatch role uses the AWS-managed AmazonAPIGatewayPushToCloudWatchLogs policy, the documented way to enable execution logs.',
          appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs'],
        },
      ],
      true,
    );
    acknowledgeDatabaseConnectWildcards([this.function.role, this.drainer.role]);
    acknowledgeScanFindings(this.api.deploymentStage, [
      {
        id: 'CKV_AWS_120',
        reason:
          'No response caching: a cached answer would replay an old decision past a new limit, mark or kill switch.',
      },
    ]);
  }
}

/** Creates (or reuses) the nested resources of a path like `/v1/risk/validate`. */
function resourceAt(root: apigw.IResource, path: string): apigw.IResource {
  return path
    .split('/')
    .filter(Boolean)
    .reduce((parent, part) => parent.getResource(part) ?? parent.addResource(part), root);
}
