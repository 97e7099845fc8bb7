import { Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { EvaluatorsConfig, StageConfig, StreamConsumerConfig } from '../config/stages.js';
import { NagSuppressions } from '../nag.js';
import { acknowledgeScanFindings } from '../scan-acknowledgements.js';
import type { StatefulStack } from '../stacks/stateful-stack.js';
import type { DatabaseClient } from './database.js';
import { FunctionWithLogGroup } from './function-with-log-group.js';
import { grantKeyViaService, grantSecretRead } from './grants.js';
import {
  acknowledgeDatabaseConnectWildcards,
  controlEnvironment,
  functionPlacement,
  grantStoreAccess,
  storeEnvironment,
} from './store-access.js';

export interface EvaluatorsProps {
  readonly stageConfig: StageConfig;
  readonly stateful: StatefulStack;
  /** Sizing of the stream consumers. @default stageConfig.evaluators */
  readonly config?: EvaluatorsConfig;
  /** Layer holding the RDS CA bundle at /opt/rds-ca/rds-ca-bundle.pem. @default none (system CAs) */
  readonly rdsCaLayer?: lambda.ILayerVersion;
}

/**
 * The market evaluators: market-evaluator (Kinesis market-events), positions (Kinesis
 * executions), reference-prices (EventBridge every minute) and the daily universe job.
 * Kinesis consumers report partial batch failures, bisect failing batches, retry a bounded
 * number of times and then send the batch's position to an SQS DLQ (stage key), which is also
 * where the functions park malformed records themselves. Each function has its own role
 * with only what it uses.
 */
export class Evaluators extends Construct {
  readonly marketEvaluator: FunctionWithLogGroup;
  readonly positions: FunctionWithLogGroup;
  readonly referencePrices: FunctionWithLogGroup;
  readonly universe: FunctionWithLogGroup;
  readonly marketEventsDlq: sqs.Queue;
  readonly executionsDlq: sqs.Queue;

  constructor(scope: Construct, id: string, props: EvaluatorsProps) {
    super(scope, id);
    const { stageConfig, stateful } = props;
    const config = props.config ?? stageConfig.evaluators;
    const placement = (internetEgress: boolean) =>
      functionPlacement(stateful, { internetEgress, rdsCaLayer: props.rdsCaLayer });
    const storeEnv = (client: DatabaseClient) => storeEnvironment(stateful, client, props.rdsCaLayer);

    this.marketEventsDlq = this.deadLetterQueue('MarketEventsDlq', stateful.dataKey);
    this.executionsDlq = this.deadLetterQueue('ExecutionsDlq', stateful.dataKey);

    const timeSeries = stateful.timeSeries;
    const timeSeriesEnvironment: Record<string, string> = timeSeries
      ? {
          TIME_SERIES_SINK: 'timestream',
          TIMESTREAM_ENDPOINT: `https://ingest-${stageConfig.timestream.ingestCell}.timestream.${Stack.of(this).region}.amazonaws.com`,
          TIMESTREAM_DATABASE: timeSeries.database.ref,
          TIMESTREAM_TICKS_TABLE: timeSeries.ticksTable.attrName,
          TIMESTREAM_BARS_TABLE: timeSeries.barsTable.attrName,
        }
      : { TIME_SERIES_SINK: 'aurora' };

    this.marketEvaluator = new FunctionWithLogGroup(this, 'MarketEvaluator', {
      entry: 'functions/market-evaluator/handler.ts',
      stageConfig,
      memorySize: config.marketEvaluator.memoryMb,
      timeout: Duration.seconds(60),
      environment: {
        ...storeEnv('marketEvaluator'),
        ...controlEnvironment(stageConfig),
        ...timeSeriesEnvironment,
        DLQ_URL: this.marketEventsDlq.queueUrl,
      },
      functionProps: {
        ...placement(false),
        reservedConcurrentExecutions: stageConfig.reservedConcurrency.marketEvaluator,
      },
    });
    this.consume(
      this.marketEvaluator,
      stateful.marketEventsStream,
      stateful.dataKey,
      this.marketEventsDlq,
      config.marketEvaluator,
    );
    if (timeSeries) {
      this.marketEvaluator.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['timestream:WriteRecords'],
          resources: [timeSeries.ticksTable.attrArn, timeSeries.barsTable.attrArn],
        }),
      );
      grantKeyViaService(this.marketEvaluator.role, stateful.dataKey, 'timestream', [
        'kms:GenerateDataKey',
        'kms:Decrypt',
      ]);
    }

    this.positions = new FunctionWithLogGroup(this, 'Positions', {
      entry: 'functions/positions/handler.ts',
      stageConfig,
      memorySize: config.positions.memoryMb,
      timeout: Duration.seconds(60),
      environment: { ...storeEnv('positions'), DLQ_URL: this.executionsDlq.queueUrl },
      functionProps: { ...placement(false), reservedConcurrentExecutions: stageConfig.reservedConcurrency.positions },
    });
    this.consume(this.positions, stateful.executionsStream, stateful.dataKey, this.executionsDlq, config.positions);

    const coingeckoEnvironment = { COINGECKO_API_KEY_SECRET_ID: stateful.coingeckoApiKeySecret.secretArn };
    this.referencePrices = new FunctionWithLogGroup(this, 'ReferencePrices', {
      entry: 'functions/reference-prices/handler.ts',
      stageConfig,
      memorySize: 256,
      timeout: Duration.seconds(30),
      environment: { ...storeEnv('referencePrices'), ...controlEnvironment(stageConfig), ...coingeckoEnvironment },
      // One run at a time: a slow CoinGecko must not stack up runs that share its rate limit.
      functionProps: { ...placement(true), reservedConcurrentExecutions: 1 },
    });
    this.universe = new FunctionWithLogGroup(this, 'Universe', {
      entry: 'functions/universe/handler.ts',
      stageConfig,
      memorySize: 256,
      timeout: Duration.seconds(60),
      environment: { ...storeEnv('universe'), ...coingeckoEnvironment },
      functionProps: { ...placement(true), reservedConcurrentExecutions: 1 },
    });
    for (const fn of [this.referencePrices, this.universe]) {
      grantSecretRead(fn.role, [stateful.coingeckoApiKeySecret.secretArn], stateful.dataKey);
    }
    new events.Rule(this, 'ReferencePricesEveryMinute', {
      description: 'CoinGecko reference prices and the deviation breaker',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [new targets.LambdaFunction(this.referencePrices.function, { retryAttempts: 0 })],
    });
    new events.Rule(this, 'UniverseDaily', {
      description: 'Tradable universe: CoinGecko top 100 by market cap ∩ Kraken USD spot',
      schedule: events.Schedule.cron({ minute: '5', hour: '0' }),
      targets: [new targets.LambdaFunction(this.universe.function, { retryAttempts: 2 })],
    });

    const all = [this.marketEvaluator, this.positions, this.referencePrices, this.universe];
    grantStoreAccess(this.marketEvaluator.role, stateful, 'marketEvaluator');
    grantStoreAccess(this.positions.role, stateful, 'positions');
    grantStoreAccess(this.referencePrices.role, stateful, 'referencePrices');
    grantStoreAccess(this.universe.role, stateful, 'universe');
    acknowledgeDatabaseConnectWildcards(all.map((fn) => fn.role));
    for (const fn of [this.marketEvaluator, this.positions]) {
      acknowledgeScanFindings(fn.function, [
        {
          id: 'CKV_AWS_116',
          reason:
            'Fed by a Kinesis event source mapping, whose on-failure destination is the SQS DLQ of this construct.',
        },
      ]);
    }
    for (const fn of [this.referencePrices, this.universe]) {
      acknowledgeScanFindings(fn.function, [
        {
          id: 'CKV_AWS_116',
          reason:
            'Scheduled with an empty event: the next scheduled run redoes the work, and errors alarm; nothing to keep.',
        },
      ]);
    }
  }

  /** Encrypted with the stage key (senders get kms:GenerateDataKey on it with the send grant), TLS only. */
  private deadLetterQueue(id: string, key: kms.IKey): sqs.Queue {
    const queue = new sqs.Queue(this, id, {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    NagSuppressions.addResourceSuppressions(queue, [
      {
        id: 'AwsSolutions-SQS3',
        reason:
          'This queue is itself the dead-letter queue (on-failure destination and poison-record queue) of a Kinesis consumer.',
      },
    ]);
    return queue;
  }

  /**
   * The event source mapping, with the stream read granted as identity policy: the L2
   * `KinesisEventSource` calls `stream.grantRead`, whose KMS grant would edit the data key's
   * policy in the stateful stack and make it depend on this one.
   */
  private consume(
    fn: FunctionWithLogGroup,
    stream: kinesis.IStream,
    key: kms.IKey,
    dlq: sqs.Queue,
    consumer: StreamConsumerConfig,
  ): void {
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          'kinesis:DescribeStream',
          'kinesis:DescribeStreamSummary',
          'kinesis:GetRecords',
          'kinesis:GetShardIterator',
          'kinesis:ListShards',
          'kinesis:SubscribeToShard',
        ],
        resources: [stream.streamArn],
      }),
    );
    grantKeyViaService(fn.role, key, 'kinesis', ['kms:Decrypt']);
    dlq.grantSendMessages(fn.role);
    new lambda.EventSourceMapping(this, `${fn.node.id}Source`, {
      target: fn.function,
      eventSourceArn: stream.streamArn,
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      batchSize: consumer.batchSize,
      maxBatchingWindow: Duration.seconds(consumer.maxBatchingWindowSeconds),
      parallelizationFactor: consumer.parallelizationFactor,
      bisectBatchOnError: true,
      retryAttempts: consumer.retryAttempts,
      maxRecordAge: Duration.hours(consumer.maxRecordAgeHours),
      reportBatchItemFailures: true,
      onFailure: new SqsOnFailure(dlq),
    });
  }
}

/** On-failure destination of an event source mapping (what `SqsDlq` from lambda-event-sources does). */
class SqsOnFailure implements lambda.IEventSourceDlq {
  constructor(private readonly queue: sqs.IQueue) {}
  bind(_target: lambda.IEventSourceMapping, targetHandler: lambda.IFunction): lambda.DlqDestinationConfig {
    this.queue.grantSendMessages(targetHandler);
    return { destination: this.queue.queueArn };
  }
}
