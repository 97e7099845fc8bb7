import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { rdsCaLayerDirectory } from '../../layers/rds-ca-bundle/build.js';
import { RDS_CA_BUNDLE_PATH } from '../../shared/adapters/postgres/auth.js';

/**
 * The RDS CA bundle as a Lambda layer (built by layers/rds-ca-bundle/build.ts from a pinned
 * npm package). Functions that talk to Aurora or RDS Proxy add `layer` and
 * `environment` (DATABASE_CA_BUNDLE_PATH) and pass `readCaBundle()` to the Postgres pool.
 * Belongs in the stack of the functions that use it: a layer version exported across
 * stacks would block every bundle update ("export in use").
 */
export class RdsCaBundleLayer extends Construct {
  readonly layer: lambda.LayerVersion;
  /** Environment for functions that use the layer. */
  readonly environment: Record<string, string> = { DATABASE_CA_BUNDLE_PATH: RDS_CA_BUNDLE_PATH };

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.layer = new lambda.LayerVersion(this, 'Layer', {
      code: lambda.Code.fromAsset(rdsCaLayerDirectory()),
      description: 'Amazon RDS and RDS Proxy CA certificates (PEM) at /opt/rds-ca/rds-ca-bundle.pem',
      compatibleArchitectures: [lambda.Architecture.ARM_64, lambda.Architecture.X86_64],
      compatibleRuntimes: [lambda.Runtime.NODEJS_22_X, lambda.Runtime.NODEJS_20_X],
    });
  }
}
