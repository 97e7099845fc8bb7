import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, type NodejsFunctionProps, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { SERVICE_NAME } from '../../shared/names.js';
import { retainPolicy, type StageConfig } from '../config/stages.js';
import { NagSuppressions } from '../nag.js';
import { acknowledgeScanFindings } from '../scan-acknowledgements.js';

/** `@aws-sdk/credential-provider-<name>` packages that no Lambda reaches (see the bundling below). */
const CREDENTIAL_PROVIDERS_NOT_IN_LAMBDA = ['sso', 'ini', 'login', 'process', 'web-identity', 'http'] as const;

export interface FunctionWithLogGroupProps {
  /** Path of the handler file, e.g. `functions/health/handler.ts`. */
  readonly entry: string;
  readonly stageConfig: StageConfig;
  /** Extra environment on top of STAGE, runtime flags and Powertools settings. */
  readonly environment?: Record<string, string>;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default Duration.seconds(10) */
  readonly timeout?: Duration;
  /**
   * Files the handler reads at run time, copied next to the bundle (paths from the repo root
   * into the bundle directory), e.g. SQL migrations.
   */
  readonly copyIntoBundle?: readonly { readonly from: string; readonly to: string }[];
  /**
   * Map stack traces to the TypeScript sources at run time (`--enable-source-maps`). Node
   * then parses the bundle's whole source map at every cold start, about a third of the risk
   * API's init (npm run bench, group lambda). A function whose cold start sits on a latency
   * path turns it off: its traces name minified positions, which
   * `npx tsx scripts/resolve-stack.ts index.mjs.map < trace` maps with the map shipped beside
   * the bundle.
   * @default true
   */
  readonly runtimeSourceMaps?: boolean;
  /** VPC placement and other NodejsFunction props that differ per function. */
  readonly functionProps?: Partial<Omit<NodejsFunctionProps, 'entry' | 'environment' | 'role' | 'logGroup'>>;
}

/**
 * The house Lambda: Node 22 on arm64, ESM bundle minified with source maps, X-Ray active,
 * its own log group with the stage's retention, and its own role that may write only to
 * that log group. Later functions reuse this so none of those choices drift.
 */
export class FunctionWithLogGroup extends Construct {
  readonly function: NodejsFunction;
  /** The handler file it bundles (what infra/reachability.test.ts reads the SDK clients of). */
  readonly entry: string;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: FunctionWithLogGroupProps) {
    super(scope, id);
    const { stageConfig } = props;
    this.entry = props.entry;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: stageConfig.logRetention,
      removalPolicy: retainPolicy(stageConfig),
    });

    // A role of our own instead of AWSLambdaBasicExecutionRole: that managed policy lets a
    // function write to every log group in the account.
    this.role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: lambda.Tracing.ACTIVE,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      role: this.role,
      environment: {
        STAGE: stageConfig.stage,
        ...stageConfig.runtime,
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_LOG_LEVEL: stageConfig.runtime.LOG_LEVEL,
        ...(props.runtimeSourceMaps === false ? {} : { NODE_OPTIONS: '--enable-source-maps' }),
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        minify: true,
        sourceMap: true,
        // Stack traces need file, line and name only: without the sources' text the map is a
        // quarter of the size, and --enable-source-maps reads the whole map at every cold start
        // (so does scripts/resolve-stack.ts, offline).
        sourcesContent: false,
        target: 'node22',
        mainFields: ['module', 'main'],
        // CommonJS dependencies (pg, ioredis) call require(); give the ESM bundle one.
        banner: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
        // The SDK is bundled, not taken from the runtime: the runtime's set of @aws-sdk
        // packages and their versions are not ours to pin, and IAM auth to RDS Proxy needs
        // @aws-sdk/rds-signer, which a bundle that leaves @aws-sdk/* external cannot load.
        externalModules: [],
        // A Lambda's credentials come from its environment, the default chain's first link; the
        // providers only later links load (SSO, INI, login, process, web identity, container)
        // and the STS/SSO clients behind them become a stub that passes the chain on
        // (shared/runtime/lambda-credential-providers.ts): ~120 kB less to parse at every cold
        // start of a function that uses the SDK (docs/cold-start.md). Paths are from the repo root.
        esbuildArgs: {
          '--alias': CREDENTIAL_PROVIDERS_NOT_IN_LAMBDA.map(
            (pkg) => `@aws-sdk/credential-provider-${pkg}=./shared/runtime/lambda-credential-providers.ts`,
          ),
        },
        ...(props.copyIntoBundle?.length
          ? {
              commandHooks: {
                beforeBundling: () => [],
                beforeInstall: () => [],
                afterBundling: (inputDir: string, outputDir: string) =>
                  (props.copyIntoBundle ?? []).map(
                    ({ from, to }) => `cp -R "${inputDir}/${from}" "${outputDir}/${to}"`,
                  ),
              },
            }
          : {}),
      },
      ...props.functionProps,
    });

    NagSuppressions.addResourceSuppressions(
      this.role,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions; log-stream ' +
            'wildcards are scoped to this function’s own log group.',
        },
      ],
      true,
    );
    // The environment holds names, ARNs, endpoints and flags, never a secret: secrets are read
    // at run time from Secrets Manager (encrypted with the stage key). Lambda encrypts the
    // environment at rest with its AWS-managed key; a customer key would add a KMS call to
    // every cold start and protect nothing (infra/template-scans.test.ts checks the values).
    acknowledgeScanFindings(this.function, [
      {
        id: 'CKV_AWS_173',
        reason: 'No secret in the environment (names, ARNs, flags only); AWS-managed key by choice, see the CDK code.',
      },
    ]);
    NagSuppressions.addResourceSuppressions(this.function, [
      {
        id: 'AwsSolutions-L1',
        reason:
          'Node.js 22 is the runtime this platform standardises on (LTS, supported by Lambda into 2027); ' +
          'all functions move together in a deliberate upgrade, not per function when a newer runtime appears.',
      },
    ]);
  }
}
