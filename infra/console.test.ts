import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { App, Aspects, Stack, Stage } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DeployStage, stageConfig } from './config/stages.js';
import { RiskConsole } from './constructs/console.js';
import { AwsSolutionsChecks, NagSuppressions } from './nag.js';
import { nagFindings } from './test-helpers.js';

/**
 * The risk desk console construct in a throwaway prod stage, with a stand-in for
 * the admin Lambda and cdk-nag applied as infra/stage.ts applies it; the console's files are
 * built for real (local esbuild bundling), so the test also proves synth can build them.
 */
type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string };
const built = new Map<DeployStage, { stack: Stack; template: Template; outdir: string }>();

function build(stage: DeployStage) {
  const app = new App({ context: { account: '123456789012' } });
  const config = stageConfig(stage);
  const cdkStage = new Stage(app, `console-${stage}`, { env: { account: '123456789012', region: config.region } });
  const stack = new Stack(cdkStage, 'Console');
  const admin = new lambda.Function(stack, 'AdminStandIn', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('export const handler = async () => ({ statusCode: 200, body: "{}" });'),
  });
  NagSuppressions.addResourceSuppressions(
    admin,
    [
      { id: 'AwsSolutions-IAM4', reason: 'Test fixture: the real admin Lambda is built by the controls construct.' },
      { id: 'AwsSolutions-IAM5', reason: 'Test fixture: the real admin role is suppressed by the controls construct.' },
      {
        id: 'AwsSolutions-L1',
        reason: 'Test fixture: the real admin Lambda runs the house runtime (FunctionWithLogGroup).',
      },
    ],
    true,
  );
  new RiskConsole(stack, 'Console', { stageConfig: config, adminFunction: admin, adminRole: admin.role! });
  Aspects.of(cdkStage).add(new AwsSolutionsChecks({ verbose: true }));
  const assembly = app.synth();
  return { stack, template: Template.fromStack(stack), outdir: assembly.directory };
}

beforeAll(() => {
  // Prod only: the strictest stage (retention, deletion protection); each synth builds the console.
  built.set('prod', build('prod'));
}, 120_000);

const prod = () => built.get('prod') as { stack: Stack; template: Template; outdir: string };
const resources = (template: Template, type: string) =>
  Object.values(template.toJSON().Resources as Record<string, Resource>).filter((r) => r.Type === type);

describe('Construct: RiskConsole', () => {
  it('has no unsuppressed cdk-nag finding in any stage', () => {
    for (const [stage, { stack }] of built) expect(nagFindings(stack), stage).toEqual([]);
  });

  it('signs people in through a user pool with MFA required, no self sign-up, strong passwords and threat protection', () => {
    prod().template.hasResourceProperties('AWS::Cognito::UserPool', {
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      UserPoolTier: 'PLUS',
      Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 14, RequireSymbols: true }) },
      DeletionProtection: 'ACTIVE',
    });
    const [pool] = resources(prod().template, 'AWS::Cognito::UserPool');
    expect(pool?.DeletionPolicy).toBe('Retain');
    prod().template.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: 'risk-manager' });
  });

  it('lets the console client use only the authorization code flow (PKCE, no secret) back to the console URL', () => {
    prod().template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid', 'email'],
      GenerateSecret: false,
      PreventUserExistenceErrors: 'ENABLED',
      CallbackURLs: [Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith(['/console/'])]) })],
    });
  });

  it('puts a Cognito authorizer on every admin route of the console API, in front of the admin Lambda', () => {
    prod().template.hasResourceProperties('AWS::ApiGateway::Authorizer', { Type: 'COGNITO_USER_POOLS' });
    const methods = resources(prod().template, 'AWS::ApiGateway::Method');
    expect(methods.length).toBeGreaterThan(0);
    for (const method of methods.filter((m) => m.Properties.HttpMethod !== 'OPTIONS')) {
      expect(method.Properties.AuthorizationType).toBe('COGNITO_USER_POOLS');
      expect(method.Properties.AuthorizerId).toBeDefined();
    }
    prod().template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: '{proxy+}' });
    prod().template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', Match.anyValue());
  });

  it('serves the files from a private bucket through CloudFront origin access control, and /v1/* uncached to the API', () => {
    prod().template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: Match.anyValue(),
    });
    prod().template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: Match.objectLike({ OriginAccessControlOriginType: 's3', SigningBehavior: 'always' }),
    });
    const [distribution] = resources(prod().template, 'AWS::CloudFront::Distribution');
    const config = distribution?.Properties.DistributionConfig as Record<string, unknown>;
    expect(JSON.stringify(config.Origins)).toContain('OriginAccessControlId');
    expect(config.CacheBehaviors).toEqual([
      expect.objectContaining({
        PathPattern: '/v1/*',
        ViewerProtocolPolicy: 'https-only',
        CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad',
      }),
    ]);
    expect(config.DefaultCacheBehavior).toMatchObject({ ViewerProtocolPolicy: 'redirect-to-https' });
    expect(JSON.stringify(prod().template.findResources('AWS::S3::BucketPolicy'))).toContain(
      'cloudfront.amazonaws.com',
    );
  });

  it('serves /console/ (the sign-in redirect address) as the page, and redirects /console to it', () => {
    const [fn] = resources(prod().template, 'AWS::CloudFront::Function');
    const code = String(fn?.Properties.FunctionCode);
    // The viewer-request function as CloudFront runs it: handler(event) -> request or response.
    const handler = new Function(`${code}; return handler;`)() as (event: unknown) => Record<string, unknown>;
    const request = (uri: string) => handler({ request: { uri, headers: {} } });

    expect(request('/console/')).toMatchObject({ uri: '/console/index.html' });
    expect(request('/console/console.js')).toMatchObject({ uri: '/console/console.js' });
    expect(request('/console')).toMatchObject({ statusCode: 301, headers: { location: { value: '/console/' } } });
    const [distribution] = resources(prod().template, 'AWS::CloudFront::Distribution');
    expect(JSON.stringify(distribution?.Properties)).toContain('viewer-request');
  });

  it('deploys the built console (bundle with the dashboards panels) and a config.json naming the sign-in', () => {
    const deployment = resources(prod().template, 'Custom::CDKBucketDeployment')[0];
    expect(deployment?.Properties).toMatchObject({ DestinationBucketKeyPrefix: 'console/', Prune: true });
    expect(deployment?.Properties.SourceObjectKeys).toHaveLength(2);
    const assetDirs = readdirSync(prod().outdir, { recursive: true, withFileTypes: true }).filter(
      (entry) => entry.isFile() && entry.name === 'console.js',
    );
    expect(assetDirs.length).toBeGreaterThan(0);
    const bundle = readFileSync(path.join(assetDirs[0]?.parentPath ?? '', 'console.js'), 'utf8');
    expect(bundle).toContain('Decisions by outcome');
    expect(bundle).not.toContain('__CONSOLE_PANELS__');
  });

  it('gives the deployment copy function a role of its own, never AWSLambdaBasicExecutionRole', () => {
    const roles = Object.entries(prod().template.findResources('AWS::IAM::Role')).filter(
      ([id]) => !id.startsWith('AdminStandIn'),
    );
    expect(roles.length).toBeGreaterThan(0);
    expect(JSON.stringify(roles)).not.toContain('AWSLambdaBasicExecutionRole');
    const deployFunction = resources(prod().template, 'AWS::Lambda::Function').find((f) =>
      JSON.stringify(f.Properties.Role).includes('ConsoleDeployRole'),
    );
    expect(JSON.stringify(deployFunction?.Properties.LoggingConfig)).toContain('ConsoleDeployLogs');
  });

  it('outputs the console URL and the user pool an operator adds risk managers to', () => {
    const outputs = JSON.stringify(prod().template.toJSON().Outputs);
    expect(outputs).toMatch(/ConsoleConsoleUrl/);
    expect(outputs).toMatch(/ConsoleConsoleUserPoolId/);
    expect(outputs).toContain('/console/');
  });

  it('lets the admin Lambda read CloudWatch metrics for the charts, and nothing else new', () => {
    const policies = JSON.stringify(prod().template.findResources('AWS::IAM::Policy'));
    expect(policies).toContain('cloudwatch:GetMetricData');
    expect(policies).not.toContain('cloudwatch:*');
  });
});
