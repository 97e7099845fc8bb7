import { RejectedRecordsException, type TimestreamWriteClient } from '@aws-sdk/client-timestream-write';
import { describe, expect, it } from 'vitest';
import { TimestreamTimeSeriesSink } from './timestream-sink.js';

/**
 * RejectedRecords handling. The emulators accept every record, so a small stand-in client
 * answers as Timestream documents it: a 419-style RejectedRecordsException listing records.
 */
function clientRejecting(rejected: { RecordIndex: number; Reason: string; ExistingVersion?: number }[]) {
  const calls: number[] = [];
  const client = {
    send: async (command: { input: { Records: unknown[] } }) => {
      calls.push(command.input.Records.length);
      throw new RejectedRecordsException({ message: 'rejected', $metadata: {}, RejectedRecords: rejected });
    },
  } as unknown as TimestreamWriteClient;
  return { client, calls };
}

const bar = { symbol: 'BTC/USD', bucketStartMs: 0, open: '1', high: '1', low: '1', close: '1', volume: '1', trades: 1 };

describe('Class: TimestreamTimeSeriesSink', () => {
  it('reports records rejected for a reason a retry cannot fix, and does not throw', async () => {
    const reported: { index: number; reason: string }[] = [];
    const { client } = clientRejecting([{ RecordIndex: 0, Reason: 'Measure value out of range' }]);
    const sink = new TimestreamTimeSeriesSink(
      {
        endpoint: 'http://127.0.0.1:1',
        database: 'd',
        ticksTable: 't',
        barsTable: 'b',
        onRejected: (r) => reported.push(...r),
      },
      client,
    );
    await sink.writeBars([bar]);
    expect(reported).toEqual([{ index: 0, reason: 'Measure value out of range' }]);
  });

  it('treats a version conflict (a newer or equal version stored) as already written', async () => {
    const reported: unknown[] = [];
    const { client } = clientRejecting([{ RecordIndex: 0, Reason: 'version', ExistingVersion: 9 }]);
    const sink = new TimestreamTimeSeriesSink(
      {
        endpoint: 'http://127.0.0.1:1',
        database: 'd',
        ticksTable: 't',
        barsTable: 'b',
        onRejected: (r) => reported.push(...r),
      },
      client,
    );
    await sink.writeBars([bar]);
    expect(reported).toEqual([]);
  });

  it('splits writes into WriteRecords calls of at most 100 records', async () => {
    const { client, calls } = clientRejecting([]);
    const sink = new TimestreamTimeSeriesSink(
      { endpoint: 'http://127.0.0.1:1', database: 'd', ticksTable: 't', barsTable: 'b' },
      client,
    );
    await sink.writeBars(Array.from({ length: 250 }, (_, i) => ({ ...bar, bucketStartMs: i * 60_000 })));
    expect(calls).toEqual([100, 100, 50]);
  });
});
