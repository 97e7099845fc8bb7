import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { API_CONFIGS } from '../config/api.js';
import type { StageConfig } from '../config/stages.js';
import { Controls } from '../constructs/controls.js';
import { FunctionWithLogGroup } from '../constructs/function-with-log-group.js';
import { RdsCaBundleLayer } from '../constructs/rds-ca-bundle-layer.js';
import { RiskApi } from '../constructs/risk-api.js';
import type { StatefulStack } from './stateful-stack.js';

export interface StatelessStackProps extends StackProps {
  readonly stageConfig: StageConfig;
  readonly stateful: StatefulStack;
  /** Revision baked into functions and reported by the health endpoint. */
  readonly buildVersion: string;
}

/** Functions, APIs and the ingester service: safe to replace on every deploy. */
export class StatelessStack extends Stack {
  readonly health: FunctionWithLogGroup;
  readonly riskApi: RiskApi;
  readonly controls: Controls;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { stageConfig } = props;

    this.health = new FunctionWithLogGroup(this, 'Health', {
      entry: 'functions/health/handler.ts',
      stageConfig,
      environment: { BUILD_VERSION: props.buildVersion },
      memorySize: 128,
    });

    // Built in this stack, not the stateful one: a layer exported across stacks would pin
    // every function to an old bundle version.
    const rdsCaLayer = new RdsCaBundleLayer(this, 'RdsCaBundle').layer;
    this.riskApi = new RiskApi(this, 'RiskApi', {
      rdsCaLayer,
      stageConfig,
      apiConfig: API_CONFIGS[stageConfig.stage],
      stateful: props.stateful,
      buildVersion: props.buildVersion,
    });
    this.controls = new Controls(this, 'Controls', {
      stageConfig,
      stateful: props.stateful,
      api: this.riskApi.api,
      rdsCaLayer,
    });
  }
}
