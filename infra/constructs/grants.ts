import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';

/**
 * Grants for stateless functions on stateful resources, as identity policy on the role
 * only. `secret.grantRead` / `key.grant` would also edit the key policy in the stateful
 * stack, which would then depend on the stateless stack (a cycle); the stage key's policy
 * already delegates to IAM in its account.
 */
export function grantSecretRead(role: iam.IRole, secretArns: string[], key: kms.IKey): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      resources: secretArns,
    }),
  );
  grantKeyViaSecretsManager(role, key, ['kms:Decrypt']);
}

/** Create and rotate secrets under one name prefix (e.g. the per-account Kraken keys). */
export function grantSecretWrite(role: iam.IRole, secretArnPattern: string, key: kms.IKey): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['secretsmanager:CreateSecret', 'secretsmanager:PutSecretValue', 'secretsmanager:DescribeSecret'],
      resources: [secretArnPattern],
    }),
  );
  grantKeyViaSecretsManager(role, key, ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']);
}

function grantKeyViaSecretsManager(role: iam.IRole, key: kms.IKey, actions: string[]): void {
  grantKeyViaService(role, key, 'secretsmanager', actions);
}

/** Use of a KMS key only through one AWS service in this region (e.g. `kinesis` to encrypt records). */
export function grantKeyViaService(role: iam.IRole, key: kms.IKey, service: string, actions: string[]): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions,
      resources: [key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `${service}.${Stack.of(role).region}.amazonaws.com` } },
    }),
  );
}

/** ARN pattern of every secret whose name starts with `prefix` (Secrets Manager appends -XXXXXX). */
export function secretArnPattern(scope: iam.IRole, prefix: string): string {
  const stack = Stack.of(scope);
  return `arn:${stack.partition}:secretsmanager:${stack.region}:${stack.account}:secret:${prefix}*`;
}
