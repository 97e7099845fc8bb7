import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  type ShardIteratorType,
} from '@aws-sdk/client-kinesis';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { createPositionsApp } from '../../functions/positions/app.js';
import { loadPositionsConfig } from '../../functions/positions/config.js';
import { createKinesisClient } from '../../shared/adapters/aws-clients.js';

/**
 * Local mode's positions consumer: what the Kinesis event source mapping does for the
 * positions Lambda in a stage, done by polling (kinesis-local has no event source mapping
 * and no SubscribeToShard). Records are read with GetRecords, handed to the positions app's
 * handler as the KinesisStreamEvent Lambda would deliver, and a batch that reports failed
 * records is re-read from the first failed sequence number after a pause, as Lambda retries.
 * Its poison records go to an SQS queue on the local AWS emulator. Never used in a stage.
 */
export interface LocalPositions {
  /** Records handed to the positions handler so far (retries counted again). */
  readonly delivered: () => number;
  stop(): Promise<void>;
}

const POLL_MS = 250;
const RETRY_PAUSE_MS = 1_000;

export async function startLocalPositions(options: {
  readonly env: NodeJS.ProcessEnv;
  readonly stage: string;
  readonly stream: string;
}): Promise<LocalPositions> {
  const sqs = new SQSClient({});
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({ QueueName: `risk-gate-${options.stage}-positions-dlq` }),
  );
  sqs.destroy();
  const app = await createPositionsApp(loadPositionsConfig({ ...options.env, DLQ_URL: QueueUrl }));
  const kinesis = createKinesisClient();
  const { Shards } = await kinesis.send(new ListShardsCommand({ StreamName: options.stream }));
  const shardId = Shards?.[0]?.ShardId;
  if (!shardId || (Shards?.length ?? 0) > 1) throw new Error(`local ${options.stream} must have exactly one shard`);
  const arn = `arn:aws:kinesis:local:000000000000:stream/${options.stream}`;

  let delivered = 0;
  let stopped = false;
  let iterator = await shardIterator(kinesis, options.stream, shardId, 'TRIM_HORIZON');
  const loop = (async () => {
    while (!stopped) {
      try {
        const got = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 100 }));
        iterator = got.NextShardIterator;
        const records = (got.Records ?? []).map(
          (r): KinesisStreamRecord => ({
            awsRegion: 'local',
            eventID: `${shardId}:${r.SequenceNumber}`,
            eventName: 'aws:kinesis:record',
            eventSource: 'aws:kinesis',
            eventSourceARN: arn,
            eventVersion: '1.0',
            invokeIdentityArn: 'arn:aws:iam::000000000000:role/local',
            kinesis: {
              kinesisSchemaVersion: '1.0',
              partitionKey: r.PartitionKey ?? '',
              sequenceNumber: r.SequenceNumber ?? '',
              data: Buffer.from(r.Data ?? new Uint8Array()).toString('base64'),
              approximateArrivalTimestamp: (r.ApproximateArrivalTimestamp ?? new Date()).getTime() / 1000,
            },
          }),
        );
        if (records.length > 0) {
          delivered += records.length;
          const event: KinesisStreamEvent = { Records: records };
          const response = await app.handle(event);
          const firstFailed = response.batchItemFailures[0]?.itemIdentifier;
          if (firstFailed) {
            console.error(
              `positions: ${response.batchItemFailures.length} records failed; retrying from ${firstFailed}`,
            );
            await sleep(RETRY_PAUSE_MS);
            iterator = await shardIterator(kinesis, options.stream, shardId, 'AT_SEQUENCE_NUMBER', firstFailed);
            continue;
          }
        }
        if (!got.Records?.length) await sleep(POLL_MS);
      } catch (error) {
        if (stopped) break;
        console.error(`positions poll failed: ${String(error)}`);
        await sleep(RETRY_PAUSE_MS);
      }
    }
  })();

  return {
    delivered: () => delivered,
    async stop() {
      stopped = true;
      await loop;
      kinesis.destroy();
      await app.close();
    },
  };
}

async function shardIterator(
  kinesis: KinesisClient,
  stream: string,
  shardId: string,
  type: ShardIteratorType,
  sequenceNumber?: string,
): Promise<string | undefined> {
  const { ShardIterator } = await kinesis.send(
    new GetShardIteratorCommand({
      StreamName: stream,
      ShardId: shardId,
      ShardIteratorType: type,
      StartingSequenceNumber: sequenceNumber,
    }),
  );
  return ShardIterator;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
