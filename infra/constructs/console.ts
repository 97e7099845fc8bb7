import { AssetHashType, CfnOutput, DockerImage, Duration, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { PANELS } from '../../dashboards/panels.js';
import { buildConsole, writeConsole } from '../../functions/admin-api/console/build.js';
import { RISK_MANAGER_GROUP, ROUTES, SERVICE_NAME } from '../../shared/names.js';
import { retainPolicy, type StageConfig } from '../config/stages.js';
import { NagSuppressions } from '../nag.js';
import { acknowledgeScanFindings } from '../scan-acknowledgements.js';
import { logWebAcl, managedRuleGroup } from './web-acl.js';

export interface ConsoleProps {
  readonly stageConfig: StageConfig;
  /** The admin API's Lambda: the console's API calls reach it through a Cognito-authorised REST API. */
  readonly adminFunction: lambda.IFunction;
  /** Its role, granted the metric reads behind the console's charts. */
  readonly adminRole: iam.IRole;
  /** Requests per 5 minutes per IP before the console API's web ACL blocks. @default 2000 */
  readonly wafRateLimitPer5Min?: number;
}

/** The bucket prefix and URL path of the console's files. */
const CONSOLE_PREFIX = ROUTES.console.replace(/^\//, '');

/**
 * The risk desk console in a stage: its static files in a private S3 bucket behind
 * CloudFront (origin access control), a Cognito user pool (no self sign-up, MFA required,
 * strong passwords, threat protection) whose `risk-manager` group the admin API accepts, and
 * a REST API with a Cognito authorizer in front of the same admin Lambda (machines keep the
 * IAM-authorised routes of the trading API). CloudFront serves both on one origin (`/console/*`
 * from the bucket, `/v1/*` to the API), so the page calls the API with no CORS and its CSP
 * allows only itself and the sign-in domain. The admin API records the signed-in user.
 */
export class RiskConsole extends Construct {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  readonly userPool: cognito.UserPool;
  readonly client: cognito.UserPoolClient;
  readonly domain: cognito.UserPoolDomain;
  readonly api: apigw.RestApi;

  constructor(scope: Construct, id: string, props: ConsoleProps) {
    super(scope, id);
    const { stageConfig } = props;
    const prod = stageConfig.stage === 'prod';
    const removalPolicy = retainPolicy(stageConfig);

    this.userPool = new cognito.UserPool(this, 'Users', {
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      signInCaseSensitive: false,
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: prod,
      removalPolicy,
    });
    new cognito.CfnUserPoolGroup(this, 'RiskManagers', {
      userPoolId: this.userPool.userPoolId,
      groupName: RISK_MANAGER_GROUP,
      description: 'Risk managers: the admin API accepts the tokens of this group only',
    });
    // A prefix unique to this construct in this account, so two stages never collide.
    this.domain = this.userPool.addDomain('SignIn', {
      cognitoDomain: {
        domainPrefix: `${SERVICE_NAME}-${stageConfig.stage}-${Names.uniqueId(this).slice(-8).toLowerCase()}`,
      },
    });

    const logBucket = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // CloudFront's standard logs are delivered with an ACL.
      objectOwnership: s3.ObjectOwnership.OBJECT_WRITER,
      versioned: true,
      lifecycleRules: [{ expiration: Duration.days(prod ? 365 : 30), noncurrentVersionExpiration: Duration.days(7) }],
      removalPolicy,
      autoDeleteObjects: false,
    });
    this.bucket = new s3.Bucket(this, 'Assets', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: logBucket,
      serverAccessLogsPrefix: 'bucket/',
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.api = this.consoleApi(props);

    const cognitoOrigin = this.domain.baseUrl();
    const headers = new cloudfront.ResponseHeadersPolicy(this, 'Headers', {
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ${cognitoOrigin}; frame-ancestors 'none'; base-uri 'none'; form-action 'self' ${cognitoOrigin}`,
          override: true,
        },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
    });
    // S3 has no directory index behind origin access control: `/console` and `/console/` (the
    // sign-in's redirect address) become the page itself.
    const index = new cloudfront.Function(this, 'Index', {
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      comment: 'console directory index',
      code: cloudfront.FunctionCode.fromInline(`
function handler(event) {
  var request = event.request;
  if (request.uri === '/${CONSOLE_PREFIX}') {
    return { statusCode: 301, statusDescription: 'Moved Permanently', headers: { location: { value: '/${CONSOLE_PREFIX}/' } } };
  }
  if (request.uri.endsWith('/')) request.uri += 'index.html';
  return request;
}`),
    });
    this.distribution = new cloudfront.Distribution(this, 'Cdn', {
      comment: `risk-gate ${stageConfig.stage} risk desk console`,
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: headers,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        functionAssociations: [{ function: index, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
      },
      additionalBehaviors: {
        '/v1/*': {
          origin: new origins.RestApiOrigin(this.api),
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
          cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
          originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          responseHeadersPolicy: headers,
        },
      },
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      enableLogging: true,
      logBucket,
      logFilePrefix: 'cdn/',
    });
    const consoleUrl = `https://${this.distribution.distributionDomainName}/${CONSOLE_PREFIX}/`;
    // What an operator needs after deploy: where the console is and which pool to add people to.
    new CfnOutput(this, 'ConsoleUrl', { value: consoleUrl });
    new CfnOutput(this, 'ConsoleUserPoolId', { value: this.userPool.userPoolId });

    this.client = this.userPool.addClient('Console', {
      generateSecret: false,
      authFlows: { user: false, userSrp: false, userPassword: false, adminUserPassword: false, custom: false },
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL],
        callbackUrls: [consoleUrl],
        logoutUrls: [consoleUrl],
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(8),
      enableTokenRevocation: true,
    });

    // The deployment's copy function gets a role and log group of its own, not CDK's default
    // AWSLambdaBasicExecutionRole (which may write to every log group of the account).
    const deployLogs = new logs.LogGroup(this, 'DeployLogs', {
      retention: stageConfig.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const deployRole = new iam.Role(this, 'DeployRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Copies the built console into its bucket (CDK BucketDeployment)',
    });
    deployLogs.grantWrite(deployRole);
    new s3deploy.BucketDeployment(this, 'Deploy', {
      role: deployRole,
      logGroup: deployLogs,
      destinationBucket: this.bucket,
      destinationKeyPrefix: `${CONSOLE_PREFIX}/`,
      sources: [
        s3deploy.Source.asset('functions/admin-api/console', {
          // Built from the console's TypeScript with the dashboards' panels baked in; hashed
          // on the output, since the panels live outside the source folder.
          assetHashType: AssetHashType.OUTPUT,
          bundling: {
            // Never pulled: the local esbuild bundling below always succeeds (no Docker here).
            image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22-alpine'),
            local: {
              tryBundle(outputDir: string) {
                writeConsole(outputDir, buildConsole(PANELS));
                return true;
              },
            },
          },
        }),
        s3deploy.Source.jsonData('config.json', {
          auth: 'cognito',
          domain: cognitoOrigin,
          client_id: this.client.userPoolClientId,
          redirect_uri: consoleUrl,
        }),
      ],
      distribution: this.distribution,
      distributionPaths: [`/${CONSOLE_PREFIX}/*`],
      prune: true,
      memoryLimit: 256,
    });

    // The console's charts: CloudWatch metric reads (GetMetricData takes no resource).
    props.adminRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['cloudwatch:GetMetricData'], resources: ['*'] }),
    );

    this.acknowledgeScans(logBucket);
    this.suppressFindings(props, logBucket, deployRole);
  }

  /** The admin Lambda behind a Cognito authorizer: `/v1/admin/{proxy+}`, same paths as the IAM API. */
  private consoleApi(props: ConsoleProps): apigw.RestApi {
    const { stageConfig } = props;
    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention: stageConfig.logRetention,
      removalPolicy: retainPolicy(stageConfig),
    });
    const authorizer = new apigw.CognitoUserPoolsAuthorizer(this, 'Authorizer', {
      cognitoUserPools: [this.userPool],
      resultsCacheTtl: Duration.minutes(5),
    });
    const api = new apigw.RestApi(this, 'Api', {
      description: `risk-gate ${stageConfig.stage} risk desk console API (Cognito)`,
      // Its own name: API Gateway's metrics (and the alarms on them) are keyed by API name.
      restApiName: `risk-gate-${stageConfig.stage}-console`,
      endpointTypes: [apigw.EndpointType.REGIONAL],
      // The account's API Gateway logging role is set by the trading API in the same stack.
      cloudWatchRole: false,
      deployOptions: {
        stageName: stageConfig.stage,
        tracingEnabled: true,
        metricsEnabled: true,
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        throttlingRateLimit: 20,
        throttlingBurstLimit: 40,
        accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields(),
      },
      defaultMethodOptions: { authorizationType: apigw.AuthorizationType.COGNITO, authorizer },
    });
    const validator = api.addRequestValidator('Validator', {
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    ROUTES.adminKillSwitch
      .split('/')
      .filter(Boolean)
      .slice(0, 2)
      .reduce<apigw.IResource>((parent, part) => parent.getResource(part) ?? parent.addResource(part), api.root)
      .addProxy({
        anyMethod: true,
        defaultIntegration: new apigw.LambdaIntegration(props.adminFunction, { proxy: true }),
        defaultMethodOptions: {
          authorizationType: apigw.AuthorizationType.COGNITO,
          authorizer,
          requestValidator: validator,
        },
      });

    const waf = new wafv2.CfnWebACL(this, 'ApiWaf', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: {
        cloudWatchMetricsEnabled: true,
        metricName: 'RiskGateConsoleWaf',
        sampledRequestsEnabled: true,
      },
      rules: [
        {
          name: 'RateLimitPerIp',
          priority: 0,
          action: { block: {} },
          statement: { rateBasedStatement: { limit: props.wafRateLimitPer5Min ?? 2_000, aggregateKeyType: 'IP' } },
          visibilityConfig: {
            cloudWatchMetricsEnabled: true,
            metricName: 'ConsoleRateLimit',
            sampledRequestsEnabled: true,
          },
        },
        managedRuleGroup('AWSManagedCommon', 'AWSManagedRulesCommonRuleSet', 1, 'ConsoleCommon'),
        // Log4Shell and other known-bad request patterns (checkov CKV_AWS_192).
        managedRuleGroup(
          'AWSManagedKnownBadInputs',
          'AWSManagedRulesKnownBadInputsRuleSet',
          2,
          'ConsoleKnownBadInputs',
        ),
        managedRuleGroup('AWSManagedIpReputation', 'AWSManagedRulesAmazonIpReputationList', 3, 'ConsoleIpReputation'),
      ],
    });
    // Cognito tokens and cookies never reach the records.
    logWebAcl(this, waf, { stageConfig, purpose: 'console', redactedHeaders: ['authorization', 'cookie'] });
    new wafv2.CfnWebACLAssociation(this, 'ApiWafAssociation', {
      resourceArn: api.deploymentStage.stageArn,
      webAclArn: waf.attrArn,
    });
    return api;
  }

  private suppressFindings(props: ConsoleProps, logBucket: s3.Bucket, deployRole: iam.Role): void {
    const stack = Stack.of(this);
    NagSuppressions.addResourceSuppressions(logBucket, [
      {
        id: 'AwsSolutions-S1',
        reason: 'This bucket is itself the access-log destination of the console bucket and distribution.',
      },
    ]);
    NagSuppressions.addResourceSuppressions(this.distribution, [
      {
        id: 'AwsSolutions-CFR1',
        reason:
          'Risk managers sign in from wherever an incident finds them; access is by Cognito user with MFA, not by country.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'A CLOUDFRONT-scope web ACL must live in us-east-1 and this stack is regional; the API behind /v1/* has its own regional web ACL and the bucket holds only the static console.',
      },
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'The distribution uses its default *.cloudfront.net certificate, whose TLS floor CloudFront fixes; minimumProtocolVersion TLSv1.2_2021 applies once a custom domain is attached.',
      },
    ]);
    NagSuppressions.addResourceSuppressions(
      props.adminRole,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            "cloudwatch:GetMetricData supports no resource-level permissions (the console charts the dashboards' metrics).",
          appliesTo: ['Resource::*'],
        },
      ],
      true,
    );
    NagSuppressions.addResourceSuppressions(
      deployRole,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'CDK BucketDeployment: reads the CDK asset bucket and writes the console bucket (object wildcards under those two buckets, as CDK grants them), log streams of its own log group.',
        },
      ],
      true,
    );
    // The BucketDeployment's provider: one singleton Lambda per stack, CDK's own code.
    const provider = stack.node.children.find((child) => child.node.id.startsWith('Custom::CDKBucketDeployment'));
    if (provider) {
      NagSuppressions.addResourceSuppressions(
        provider,
        [
          {
            id: 'AwsSolutions-L1',
            reason: 'CDK BucketDeployment provider: its runtime is chosen by aws-cdk-lib and upgrades with it.',
          },
        ],
        true,
      );
    }
  }

  /** cfn-lint and checkov findings accepted here (infra/template-scans.test.ts), each with its reason. */
  private acknowledgeScans(logBucket: s3.Bucket): void {
    acknowledgeScanFindings(logBucket, [
      {
        id: 'CKV_AWS_18',
        reason: 'This bucket is itself the access-log destination of the console bucket and distribution.',
      },
      {
        id: 'W3045',
        reason:
          'CDK grants S3 server access log delivery through the LogDeliveryWrite canned ACL; CloudFront standard logs need ACLs here anyway.',
      },
    ]);
    acknowledgeScanFindings(this.api.deploymentStage, [
      {
        id: 'CKV_AWS_120',
        reason: 'No response caching: risk managers must see the current kill switch, limits and proposals, per user.',
      },
    ]);
    acknowledgeScanFindings(this.distribution, [
      {
        id: 'CKV_AWS_68',
        reason:
          'A CLOUDFRONT-scope web ACL must live in us-east-1 and this stack is regional; /v1/* reaches an API with its own regional web ACL, the rest is static files.',
      },
      {
        id: 'CKV_AWS_174',
        reason:
          'The default *.cloudfront.net certificate, whose TLS floor CloudFront fixes; minimumProtocolVersion TLSv1.2_2021 applies once a custom domain is attached.',
      },
    ]);
    // CDK's BucketDeployment: a singleton provider Lambda per stack, run by CloudFormation once per deploy.
    const stack = Stack.of(this);
    const provider = stack.node.children.find((child) => child.node.id.startsWith('Custom::CDKBucketDeployment'));
    if (!provider) throw new Error('the console deployment has no CDK BucketDeployment provider');
    acknowledgeScanFindings(provider, [
      {
        id: 'CKV_AWS_115',
        reason: 'CDK BucketDeployment provider: invoked by CloudFormation only, once per deploy; nothing to cap.',
      },
      {
        id: 'CKV_AWS_116',
        reason: 'CDK BucketDeployment provider: a custom resource handler; CloudFormation waits for its answer.',
      },
      {
        id: 'CKV_AWS_117',
        reason:
          'CDK BucketDeployment provider: copies between two S3 buckets at deploy time; it reaches nothing in the VPC.',
      },
      { id: 'CKV_AWS_173', reason: 'CDK BucketDeployment provider: its environment holds no secret (CDK sets none).' },
    ]);
    const deployPolicies = [provider, this.node.tryFindChild('DeployRole')]
      .flatMap((scope) => scope?.node.findAll() ?? [])
      .filter((child): child is iam.CfnPolicy => child instanceof iam.CfnPolicy);
    for (const policy of deployPolicies) {
      acknowledgeScanFindings(policy, [
        {
          id: 'CKV_AWS_111',
          reason:
            "CDK BucketDeployment invalidates the console distribution after each copy; CloudFront invalidation actions take no resource ARN in CDK's grant.",
        },
      ]);
    }
  }
}
