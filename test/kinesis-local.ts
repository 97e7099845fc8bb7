import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  ResourceInUseException,
} from '@aws-sdk/client-kinesis';

/** Creates a stream on kinesis-local (retrying while a deletion of it finishes) and waits until it is ACTIVE. */
export async function createStream(kinesis: KinesisClient, name: string, shards = 1): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
      break;
    } catch (error) {
      if (!(error instanceof ResourceInUseException) || attempt >= 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  for (let i = 0; i < 100; i++) {
    const { StreamDescriptionSummary } = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`stream ${name} never became ACTIVE`);
}

/** Deletes a stream, ignoring one that is already gone. */
export async function deleteStream(kinesis: KinesisClient, name: string): Promise<void> {
  await kinesis.send(new DeleteStreamCommand({ StreamName: name })).catch(() => undefined);
}

/** Every record of every shard from TRIM_HORIZON, JSON-decoded, in shard order. */
export async function readStream<T>(kinesis: KinesisClient, name: string): Promise<{ key: string; data: T }[]> {
  const { Shards } = await kinesis.send(new ListShardsCommand({ StreamName: name }));
  const records: { key: string; data: T }[] = [];
  for (const shard of Shards ?? []) {
    let { ShardIterator } = await kinesis.send(
      new GetShardIteratorCommand({ StreamName: name, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    for (let i = 0; i < 100 && ShardIterator; i++) {
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator, Limit: 10_000 }));
      for (const record of page.Records ?? []) {
        records.push({
          key: record.PartitionKey ?? '',
          data: JSON.parse(Buffer.from(record.Data ?? []).toString('utf8')) as T,
        });
      }
      if ((page.Records ?? []).length === 0 && page.MillisBehindLatest === 0) break;
      ShardIterator = page.NextShardIterator;
    }
  }
  return records;
}
