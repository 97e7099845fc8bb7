import { Annotations, type IAspect, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';
import type { StageConfig } from '../config/stages.js';
import { acknowledgeScanFindings } from '../scan-acknowledgements.js';

/**
 * Lets the AWS services that write into the stage's encrypted resources on their own use the
 * stage key: CloudWatch Logs (log groups encrypted with it, scoped by the encryption context
 * to this account's log groups) and EventBridge (rules that park undeliverable events in an
 * SQS queue encrypted with it, scoped to this account). Both are key-policy statements:
 * service principals cannot hold identity policies.
 */
export function allowServicesToUseStageKey(key: kms.Key): void {
  const stack = Stack.of(key);
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CloudWatchLogsOfThisAccount',
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*`,
        },
      },
    }),
  );
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'EventBridgeDeadLetterQueuesOfThisAccount',
      principals: [new iam.ServicePrincipal('events.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
    }),
  );
}

/**
 * Every log group under the scope gets the stage's decision (`logEncryption` in
 * infra/config/stages.ts): encrypted with the stage key, or acknowledged as AWS-owned-key
 * encryption for the template scans. An aspect rather than a prop, so a log group added
 * later, or created inside another construct, cannot miss it. A log group without retention
 * is an error: every stage decides how long its logs live (`logRetention`).
 */
export class StageLogGroups implements IAspect {
  constructor(
    private readonly stageConfig: StageConfig,
    private readonly key: kms.IKey,
  ) {}

  visit(node: IConstruct): void {
    if (!(node instanceof logs.CfnLogGroup)) return;
    if (node.retentionInDays === undefined) {
      Annotations.of(node).addError('log group without retention: give it stageConfig.logRetention');
    }
    if (node.kmsKeyId !== undefined) return;
    if (this.stageConfig.logEncryption === 'stage-key') {
      node.kmsKeyId = this.key.keyArn;
    } else {
      acknowledgeScanFindings(node, [
        {
          id: 'CKV_AWS_158',
          reason: `stage ${this.stageConfig.stage} chose logEncryption 'aws-owned': CloudWatch Logs encrypts at rest with its own key`,
        },
      ]);
    }
  }
}
