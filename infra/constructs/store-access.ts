import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import { RDS_CA_BUNDLE_PATH } from '../../shared/adapters/postgres/auth.js';
import type { StatefulStack } from '../stacks/stateful-stack.js';
import { grantSecretRead } from './grants.js';
import { SUBNETS } from './network.js';

/**
 * How every stateful function reaches Redis and Aurora: the environment its
 * shared/config/stores.ts schema reads (TLS on, IAM auth to RDS Proxy), its VPC placement,
 * and the grants. One place, so the units cannot drift apart.
 */
export function storeEnvironment(stateful: StatefulStack, rdsCaLayer?: lambda.ILayerVersion): Record<string, string> {
  return {
    REDIS_HOST: stateful.redisEndpointAddress,
    REDIS_PORT: String(stateful.redisPort),
    REDIS_TLS: 'true',
    REDIS_AUTH_SECRET_ID: stateful.redisAuthSecret.secretArn,
    DATABASE_HOST: stateful.databaseProxy.endpoint,
    DATABASE_PORT: String(stateful.databasePort),
    DATABASE_NAME: stateful.databaseName,
    DATABASE_USER: stateful.databaseUser,
    DATABASE_AUTH: 'iam',
    DATABASE_TLS: 'true',
    ...(rdsCaLayer ? { DATABASE_CA_FILE: RDS_CA_BUNDLE_PATH } : {}),
  };
}

/** VPC placement in the app subnets; `internetEgress` adds the HTTPS-out group (Kraken, CoinGecko). */
export function functionPlacement(
  stateful: StatefulStack,
  options: { internetEgress?: boolean; rdsCaLayer?: lambda.ILayerVersion } = {},
): Partial<NodejsFunctionProps> {
  const securityGroups: ec2.ISecurityGroup[] = [stateful.functionsSecurityGroup];
  if (options.internetEgress) securityGroups.push(stateful.externalApiSecurityGroup);
  return {
    vpc: stateful.vpc,
    vpcSubnets: { subnetGroupName: SUBNETS.app },
    securityGroups,
    layers: options.rdsCaLayer ? [options.rdsCaLayer] : [],
  };
}

export function grantStoreAccess(role: iam.IRole, stateful: StatefulStack): void {
  grantSecretRead(role, [stateful.redisAuthSecret.secretArn], stateful.dataKey);
  stateful.grantDatabaseConnect(role);
}
