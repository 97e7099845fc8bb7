import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { StageConfig } from '../config/stages.js';
import { acknowledgeScanFindings } from '../scan-acknowledgements.js';
import type { StatefulStack } from '../stacks/stateful-stack.js';
import { FunctionWithLogGroup } from './function-with-log-group.js';
import {
  acknowledgeDatabaseConnectWildcards,
  controlEnvironment,
  functionPlacement,
  grantStoreAccess,
  storeEnvironment,
} from './store-access.js';

export interface StateRebuildProps {
  readonly stageConfig: StageConfig;
  readonly stateful: StatefulStack;
  /** Layer holding the RDS CA bundle at /opt/rds-ca/rds-ca-bundle.pem. @default none (system CAs) */
  readonly rdsCaLayer?: lambda.ILayerVersion;
}

/**
 * The state rebuild (functions/state-rebuild): every minute it compares the cache's state
 * epoch with the durable generation and restores the cache from Aurora only when the epoch
 * is missing or behind. Until it has, the risk API rejects (StateEpochMissing), so the
 * schedule is the cache-loss RTO. One run at a time: two restores of one cache would race.
 */
export class StateRebuild extends Construct {
  readonly fn: FunctionWithLogGroup;
  readonly schedule: events.Rule;

  constructor(scope: Construct, id: string, props: StateRebuildProps) {
    super(scope, id);
    const { stageConfig, stateful } = props;

    this.fn = new FunctionWithLogGroup(this, 'Job', {
      entry: 'functions/state-rebuild/handler.ts',
      stageConfig,
      memorySize: 512,
      // A full restore reads every account's limits, positions and working orders; a run that
      // finds the epoch current returns after two reads.
      timeout: Duration.minutes(2),
      environment: {
        ...storeEnvironment(stateful, 'stateRebuild', props.rdsCaLayer),
        ...controlEnvironment(stageConfig),
      },
      functionProps: {
        ...functionPlacement(stateful, { internetEgress: false, rdsCaLayer: props.rdsCaLayer }),
        reservedConcurrentExecutions: 1,
      },
    });
    grantStoreAccess(this.fn.role, stateful, 'stateRebuild');
    acknowledgeDatabaseConnectWildcards([this.fn.role]);
    acknowledgeScanFindings(this.fn.function, [
      {
        id: 'CKV_AWS_116',
        reason:
          'Scheduled every minute with an empty event: the next run is the retry (a restore is idempotent); nothing to keep.',
      },
    ]);

    this.schedule = new events.Rule(this, 'EveryMinute', {
      description: 'State rebuild: restores the cache from Aurora when its state epoch is missing or behind',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      // The next minute's run is the retry; a queued retry would only collide with it.
      targets: [new targets.LambdaFunction(this.fn.function, { retryAttempts: 0 })],
    });
  }
}
