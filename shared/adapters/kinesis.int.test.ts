import { randomUUID } from 'node:crypto';
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { afterAll, describe, expect, it } from 'vitest';
import { createKinesisClient } from './aws-clients.js';

describe('Kinesis (kinesis-local)', () => {
  const kinesis = createKinesisClient();
  const streamName = `it-${randomUUID().slice(0, 8)}`;

  afterAll(async () => {
    await kinesis.send(new DeleteStreamCommand({ StreamName: streamName })).catch(() => undefined);
    kinesis.destroy();
  });

  it('puts records with PutRecords and reads them back in order with GetRecords', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: 1 }));
    for (let i = 0; i < 50; i++) {
      const { StreamDescriptionSummary } = await kinesis.send(
        new DescribeStreamSummaryCommand({ StreamName: streamName }),
      );
      if (StreamDescriptionSummary?.StreamStatus === 'ACTIVE') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    const events = Array.from({ length: 20 }, (_, i) => ({ seq: i, symbol: 'BTC/USD', price: `65000.${i}` }));
    const put = await kinesis.send(
      new PutRecordsCommand({
        StreamName: streamName,
        Records: events.map((event) => ({ PartitionKey: event.symbol, Data: Buffer.from(JSON.stringify(event)) })),
      }),
    );
    expect(put.FailedRecordCount).toBe(0);

    const { Shards } = await kinesis.send(new ListShardsCommand({ StreamName: streamName }));
    const { ShardIterator } = await kinesis.send(
      new GetShardIteratorCommand({
        StreamName: streamName,
        ShardId: Shards?.[0]?.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const got = await kinesis.send(new GetRecordsCommand({ ShardIterator, Limit: 100 }));
    const decoded = (got.Records ?? []).map((r) => JSON.parse(Buffer.from(r.Data ?? []).toString('utf8')));
    expect(decoded).toEqual(events);
  });
});
