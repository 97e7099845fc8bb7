import { Aspects, Stage, type StageProps, Tags } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { SERVICE_NAME } from '../shared/names.js';
import type { StageConfig } from './config/stages.js';
import { AwsSolutionsChecks } from './nag.js';
import { StatefulStack } from './stacks/stateful-stack.js';
import { StatelessStack } from './stacks/stateless-stack.js';

export interface RiskGateStageProps extends StageProps {
  readonly stageConfig: StageConfig;
  readonly buildVersion: string;
}

/** One deployable environment: the stateful stack and the stateless stack that uses it. */
export class RiskGateStage extends Stage {
  readonly stateful: StatefulStack;
  readonly stateless: StatelessStack;

  constructor(scope: Construct, id: string, props: RiskGateStageProps) {
    super(scope, id, props);
    const { stageConfig } = props;
    this.stateful = new StatefulStack(this, 'Stateful', { stageConfig });
    this.stateless = new StatelessStack(this, 'Stateless', {
      stageConfig,
      stateful: this.stateful,
      buildVersion: props.buildVersion,
    });
    this.stateless.addStackDependency(this.stateful);
    Tags.of(this).add('service', SERVICE_NAME);
    Tags.of(this).add('stage', stageConfig.stage);
    // cdk-nag on every stage: an unsuppressed finding is an error annotation that fails
    // the infra tests (and `cdk synth --strict`).
    Aspects.of(this).add(new AwsSolutionsChecks({ verbose: true }));
  }
}
