import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** A record parked for a human: enough to find it in the stream and to replay it. */
export interface PoisonRecord {
  readonly source: string;
  readonly reason: string;
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  readonly eventSourceArn?: string;
  /** The record's data, base64 as Kinesis delivered it. */
  readonly data: string;
}

export interface PoisonRecordSink {
  park(record: PoisonRecord): Promise<void>;
}

export function createSqsClient(): SQSClient {
  return new SQSClient({
    maxAttempts: 3,
    // The endpoint comes from configuration (AWS_ENDPOINT_URL_SQS / AWS_ENDPOINT_URL), not
    // from the host inside a queue URL an emulator may have minted with another name.
    useQueueUrlAsEndpoint: false,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 1_000, requestTimeout: 3_000 }),
  });
}

/**
 * Sends poison records to the consumer's DLQ (the same SQS queue the event source
 * mapping's on-failure destination uses, told apart by the `kind` attribute): the record
 * itself, not just its position, so it can be inspected after the stream has expired it.
 */
export class SqsPoisonRecordSink implements PoisonRecordSink {
  constructor(
    private readonly queueUrl: string,
    private readonly client: SQSClient = createSqsClient(),
  ) {}

  async park(record: PoisonRecord): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(record),
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: 'poison-record' },
          source: { DataType: 'String', StringValue: record.source },
        },
      }),
    );
  }
}
