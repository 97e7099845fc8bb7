import { Aspects, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config/stages.js';
import { AccountFeedService, riskApiHealthTarget } from '../constructs/account-feed-service.js';
import { RiskConsole } from '../constructs/console.js';
import { Controls } from '../constructs/controls.js';
import { Evaluators } from '../constructs/evaluators.js';
import { FunctionWithLogGroup } from '../constructs/function-with-log-group.js';
import { MarketIngesterService } from '../constructs/market-ingester-service.js';
import { Monitoring } from '../constructs/monitoring.js';
import { SUBNETS } from '../constructs/network.js';
import { Observability } from '../constructs/observability.js';
import { PartitionMaintenance } from '../constructs/partition-maintenance.js';
import { RdsCaBundleLayer } from '../constructs/rds-ca-bundle-layer.js';
import { RiskApi } from '../constructs/risk-api.js';
import { SchemaMigrations } from '../constructs/schema-migrations.js';
import { StageLogGroups } from '../constructs/stage-encryption.js';
import { StateRebuild } from '../constructs/state-rebuild.js';
import { databaseEnvironment } from '../constructs/store-access.js';
import { acknowledgeScanFindings } from '../scan-acknowledgements.js';
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
  /** The risk desk console: static files on CloudFront, Cognito sign-in, the admin Lambda behind it. */
  readonly console: RiskConsole;
  readonly evaluators: Evaluators;
  readonly ingester: MarketIngesterService;
  readonly accountFeed: AccountFeedService;
  readonly observability: Observability;
  readonly monitoring: Monitoring;
  readonly schema: SchemaMigrations;
  readonly partitionMaintenance: PartitionMaintenance;
  readonly stateRebuild: StateRebuild;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { stageConfig } = props;
    Aspects.of(this).add(new StageLogGroups(stageConfig, props.stateful.dataKey));

    this.health = new FunctionWithLogGroup(this, 'Health', {
      entry: 'functions/health/handler.ts',
      stageConfig,
      environment: { BUILD_VERSION: props.buildVersion },
      memorySize: 128,
      functionProps: { reservedConcurrentExecutions: stageConfig.reservedConcurrency.health },
    });
    acknowledgeScanFindings(this.health.function, [
      {
        id: 'CKV_AWS_117',
        reason:
          'Outside the VPC on purpose: it answers with its stage, build version and simulation flag, and reaches no store and no host, so it needs no ENI.',
      },
      {
        id: 'CKV_AWS_116',
        reason: 'Invoked synchronously (smoke checks); the caller sees the failure, nothing is queued.',
      },
    ]);

    // Built in this stack, not the stateful one: a layer exported across stacks would pin
    // every function to an old bundle version.
    const rdsCaLayer = new RdsCaBundleLayer(this, 'RdsCaBundle').layer;
    this.schema = new SchemaMigrations(this, 'Schema', { stageConfig, stateful: props.stateful, rdsCaLayer });
    this.riskApi = new RiskApi(this, 'RiskApi', {
      rdsCaLayer,
      stageConfig,
      apiConfig: stageConfig.api,
      stateful: props.stateful,
      buildVersion: props.buildVersion,
    });
    this.controls = new Controls(this, 'Controls', {
      stageConfig,
      stateful: props.stateful,
      api: this.riskApi.api,
      rdsCaLayer,
    });
    this.console = new RiskConsole(this, 'Console', {
      stageConfig,
      adminFunction: this.controls.admin.function,
      adminRole: this.controls.admin.role,
    });
    // Its API logs through the account's API Gateway CloudWatch role, which the trading API sets.
    this.console.node.addDependency(this.riskApi);
    this.evaluators = new Evaluators(this, 'Evaluators', {
      stageConfig,
      config: stageConfig.evaluators,
      stateful: props.stateful,
      rdsCaLayer,
    });
    this.partitionMaintenance = new PartitionMaintenance(this, 'PartitionMaintenance', {
      stageConfig,
      stateful: props.stateful,
      rdsCaLayer,
    });
    this.stateRebuild = new StateRebuild(this, 'StateRebuild', { stageConfig, stateful: props.stateful, rdsCaLayer });
    this.ingester = new MarketIngesterService(this, 'MarketIngester', {
      stageConfig,
      vpc: props.stateful.vpc,
      vpcSubnets: { subnetGroupName: SUBNETS.app },
      securityGroup: props.stateful.ingesterSecurityGroup,
      stream: props.stateful.marketEventsStream,
      redisUrl: `rediss://${props.stateful.redisEndpointAddress}:${props.stateful.redisPort}`,
      redisAuthSecret: props.stateful.redisAuthSecret,
      secretsKey: props.stateful.dataKey,
      database: {
        environment: databaseEnvironment(props.stateful, 'marketIngester'),
        grantConnect: (grantee) => props.stateful.grantDatabaseConnect(grantee, 'marketIngester'),
      },
      buildVersion: props.buildVersion,
    });
    // Kraken's private feed: the ingester's cluster, so there is one place to look for the
    // stage's tasks, but its own security group (Redis and HTTPS out, never the database).
    this.accountFeed = new AccountFeedService(this, 'AccountFeed', {
      stageConfig,
      vpc: props.stateful.vpc,
      vpcSubnets: { subnetGroupName: SUBNETS.app },
      securityGroup: props.stateful.accountFeedSecurityGroup,
      cluster: this.ingester.cluster,
      stream: props.stateful.executionsStream,
      redisUrl: `rediss://${props.stateful.redisEndpointAddress}:${props.stateful.redisPort}`,
      redisAuthSecret: props.stateful.redisAuthSecret,
      dataKey: props.stateful.dataKey,
      // Its dead man's switch stays armed only while this stage's trading API answers.
      riskApi: riskApiHealthTarget(this.riskApi.api),
      buildVersion: props.buildVersion,
    });
    // Nothing that reads or writes the database deploys before its schema is in place.
    for (const dependent of [
      this.riskApi,
      this.controls,
      this.evaluators,
      this.ingester,
      this.partitionMaintenance,
      this.stateRebuild,
    ]) {
      dependent.node.addDependency(this.schema);
    }
    // Last: it alarms on every function, API, service and dead-letter queue built above, and routes
    // every alarm of the stack (the desk's topic is under aws/sns, which CloudWatch cannot use).
    this.monitoring = new Monitoring(this, 'Monitoring', { stageConfig, stateful: props.stateful });
    this.observability = new Observability(this, 'Observability', {
      stageConfig,
      alarmTopic: this.monitoring.pageTopic,
    });
    this.partitionMaintenance.alarmOnErrors(this.monitoring.pageTopic);
  }
}
