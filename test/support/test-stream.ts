import { randomUUID } from 'node:crypto';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { CreateQueueCommand, DeleteQueueCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { createStream, deleteStream } from '../kinesis-local.js';

/**
 * Test support for the Kinesis consumers: a uniquely named stream on kinesis-local, records
 * put with PutRecords and read back with GetRecords (kinesis-local has no SubscribeToShard),
 * turned into the KinesisStreamEvent Lambda would deliver (base64 data, real sequence numbers).
 */
export class TestStream {
  readonly name = `it-${randomUUID().slice(0, 8)}`;
  private iterator: string | undefined;

  constructor(private readonly kinesis: KinesisClient) {}

  get arn(): string {
    return `arn:aws:kinesis:eu-west-1:000000000000:stream/${this.name}`;
  }

  async create(): Promise<void> {
    await createStream(this.kinesis, this.name);
    const { Shards } = await this.kinesis.send(new ListShardsCommand({ StreamName: this.name }));
    const { ShardIterator } = await this.kinesis.send(
      new GetShardIteratorCommand({
        StreamName: this.name,
        ShardId: Shards?.[0]?.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    this.iterator = ShardIterator;
  }

  /** Puts raw payloads (objects are JSON-encoded) with their partition keys, in order. */
  async put(records: readonly { key: string; data: unknown }[]): Promise<void> {
    const put = await this.kinesis.send(
      new PutRecordsCommand({
        StreamName: this.name,
        Records: records.map((r) => ({
          PartitionKey: r.key,
          Data: Buffer.from(typeof r.data === 'string' ? r.data : JSON.stringify(r.data)),
        })),
      }),
    );
    if (put.FailedRecordCount) throw new Error(`${put.FailedRecordCount} records failed to put`);
  }

  /** Reads everything new on the shard as one Lambda event. */
  async poll(): Promise<KinesisStreamEvent> {
    const records: KinesisStreamRecord[] = [];
    for (let i = 0; i < 20; i++) {
      const got = await this.kinesis.send(new GetRecordsCommand({ ShardIterator: this.iterator, Limit: 10_000 }));
      this.iterator = got.NextShardIterator;
      for (const r of got.Records ?? [])
        records.push(
          this.toLambdaRecord(
            r.SequenceNumber ?? '',
            r.PartitionKey ?? '',
            r.Data ?? new Uint8Array(),
            r.ApproximateArrivalTimestamp,
          ),
        );
      if (!got.Records?.length && records.length > 0) break;
      if (!got.Records?.length) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return { Records: records };
  }

  async delete(): Promise<void> {
    await deleteStream(this.kinesis, this.name);
  }

  private toLambdaRecord(
    sequenceNumber: string,
    partitionKey: string,
    data: Uint8Array,
    arrival?: Date,
  ): KinesisStreamRecord {
    return {
      awsRegion: 'eu-west-1',
      eventID: `shardId-000000000000:${sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      eventSource: 'aws:kinesis',
      eventSourceARN: this.arn,
      eventVersion: '1.0',
      invokeIdentityArn: 'arn:aws:iam::000000000000:role/test',
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey,
        sequenceNumber,
        data: Buffer.from(data).toString('base64'),
        approximateArrivalTimestamp: (arrival ?? new Date()).getTime() / 1000,
      },
    };
  }
}

/** A uniquely named SQS queue on the AWS emulator, standing in for a consumer's DLQ. */
export class TestQueue {
  url = '';
  constructor(private readonly sqs: SQSClient) {}

  async create(): Promise<string> {
    const { QueueUrl } = await this.sqs.send(
      new CreateQueueCommand({ QueueName: `it-dlq-${randomUUID().slice(0, 8)}` }),
    );
    this.url = QueueUrl as string;
    return this.url;
  }

  /** Every message currently in the queue (bodies parsed as JSON), with their attributes. */
  async drain(): Promise<{ body: Record<string, unknown>; kind?: string }[]> {
    const out: { body: Record<string, unknown>; kind?: string }[] = [];
    for (let i = 0; i < 5; i++) {
      const { Messages } = await this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          MessageAttributeNames: ['All'],
        }),
      );
      if (!Messages?.length) break;
      for (const m of Messages)
        out.push({ body: JSON.parse(m.Body ?? '{}'), kind: m.MessageAttributes?.kind?.StringValue });
    }
    return out;
  }

  async delete(): Promise<void> {
    if (this.url) await this.sqs.send(new DeleteQueueCommand({ QueueUrl: this.url })).catch(() => undefined);
  }
}
