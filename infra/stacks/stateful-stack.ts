import { Stack, type StackProps } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { retainPolicy, type StageConfig } from '../config/stages.js';

export interface StatefulStackProps extends StackProps {
  readonly stageConfig: StageConfig;
}

/**
 * Everything that holds data and must outlive a deploy: network, Aurora, ElastiCache,
 * Kinesis streams, secrets. Deployed separately from the stateless stack so a bad function
 * deploy can never replace a store. Stateless stacks receive these resources as props.
 */
export class StatefulStack extends Stack {
  /** Customer-managed key for the stage's streams, secrets and database storage. */
  readonly dataKey: kms.Key;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { stageConfig } = props;

    this.dataKey = new kms.Key(this, 'DataKey', {
      description: `risk-gate ${stageConfig.stage} data encryption key`,
      enableKeyRotation: true,
      removalPolicy: retainPolicy(stageConfig),
    });
  }
}
