import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { STAGE_CONFIGS } from './config/stages.js';
import { StageLogGroups } from './constructs/stage-encryption.js';
import { acknowledgeScanFindings } from './scan-acknowledgements.js';

const reason = 'a reason long enough to explain the acceptance';

describe('Function: acknowledgeScanFindings', () => {
  it('writes checkov skips with their reason and cfn-lint ignores into the resource metadata, merged', () => {
    // Prepare
    const stack = new Stack(new App());
    const queue = new sqs.Queue(stack, 'Queue');

    // Act: two calls on the L2, one id repeated with a new reason.
    acknowledgeScanFindings(queue, [
      { id: 'CKV_AWS_27', reason },
      { id: 'W3005', reason },
    ]);
    acknowledgeScanFindings(queue, [
      { id: 'CKV_AWS_27', reason: `${reason}, updated` },
      { id: 'E3012', reason },
    ]);

    // Assess: where checkov and cfn-lint read them, each id once.
    Template.fromStack(stack).hasResource('AWS::SQS::Queue', {
      Metadata: {
        checkov: { skip: [{ id: 'CKV_AWS_27', comment: `${reason}, updated` }] },
        'cfn-lint': { config: { ignore_checks: ['W3005', 'E3012'] } },
      },
    });
  });

  it('refuses an unknown id, a missing reason, or a construct with no resource behind it', () => {
    const stack = new Stack(new App());
    const queue = new sqs.Queue(stack, 'Queue');
    expect(() => acknowledgeScanFindings(queue, [{ id: 'AwsSolutions-SQS3', reason }])).toThrow(/neither/);
    expect(() => acknowledgeScanFindings(queue, [{ id: 'CKV_AWS_27', reason: 'because' }])).toThrow(/real reason/);
    expect(() => acknowledgeScanFindings(stack, [{ id: 'CKV_AWS_27', reason }])).toThrow(/CloudFormation resource/);
  });
});

describe('Aspect: StageLogGroups', () => {
  const build = (logEncryption: 'stage-key' | 'aws-owned', retention?: logs.RetentionDays) => {
    const stack = new Stack(new App());
    const key = new kms.Key(stack, 'Key');
    new logs.LogGroup(stack, 'Logs', { retention: retention ?? logs.RetentionDays.ONE_WEEK });
    Aspects.of(stack).add(new StageLogGroups({ ...STAGE_CONFIGS.dev, logEncryption }, key));
    return stack;
  };

  it('puts every log group under the stage key when the stage says stage-key', () => {
    Template.fromStack(build('stage-key')).hasResourceProperties('AWS::Logs::LogGroup', {
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
    });
  });

  it('acknowledges CloudWatch’s own encryption for checkov when the stage says aws-owned', () => {
    Template.fromStack(build('aws-owned')).hasResource('AWS::Logs::LogGroup', {
      Properties: Match.objectLike({ KmsKeyId: Match.absent() }),
      Metadata: { checkov: { skip: [Match.objectLike({ id: 'CKV_AWS_158' })] } },
    });
  });

  it('fails the synth of a log group that keeps its events forever', () => {
    // INFINITE renders no RetentionInDays: the stage decided nothing.
    const stack = build('stage-key', logs.RetentionDays.INFINITE);
    Annotations.fromStack(stack).hasError('*', Match.stringLikeRegexp('log group without retention'));
  });
});
