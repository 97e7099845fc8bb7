import { BatchProcessor, EventType, FullBatchFailureError, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { KinesisStreamRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { processKinesisRecords } from './process-batch.js';

/** Kinesis records with sequence numbers 1..n. */
function records(n: number): KinesisStreamRecord[] {
  return Array.from(
    { length: n },
    (_, i) =>
      ({
        eventSourceARN: 'arn:aws:kinesis:eu-west-1:000000000000:stream/market-events',
        kinesis: { sequenceNumber: String(i + 1), partitionKey: 'BTC/USD', data: '' },
      }) as KinesisStreamRecord,
  );
}

type Outcome = 'ok' | 'ok-async' | 'throw' | 'reject';

/** A record handler whose outcome per record is scripted, logging the order it saw them in. */
function scripted(outcomes: readonly Outcome[]) {
  const seen: string[] = [];
  const handle = (record: KinesisStreamRecord): Promise<void> | undefined => {
    const seq = record.kinesis.sequenceNumber;
    seen.push(seq);
    const outcome = outcomes[Number(seq) - 1];
    if (outcome === 'throw') throw new Error(`record ${seq} failed`);
    if (outcome === 'reject') return Promise.reject(new Error(`record ${seq} failed`));
    if (outcome === 'ok-async') return new Promise((resolve) => setTimeout(resolve, 1));
    return undefined;
  };
  return { seen, handle };
}

async function settle<T>(run: () => Promise<T>): Promise<{ value?: T; error?: unknown }> {
  try {
    return { value: await run() };
  } catch (error) {
    return { error };
  }
}

describe('Function: processKinesisRecords', () => {
  const cases: Record<string, Outcome[]> = {
    'no records': [],
    'every record applied': ['ok', 'ok-async', 'ok', 'ok'],
    'some records failing': ['ok', 'throw', 'ok-async', 'reject', 'ok'],
    'the first record failing': ['reject', 'ok'],
    'every record failing': ['throw', 'reject', 'throw'],
    'one record, failing': ['reject'],
  };

  for (const [name, outcomes] of Object.entries(cases)) {
    it(`answers as Powertools' processPartialResponse does, in order: ${name}`, async () => {
      // Prepare
      const batch = records(outcomes.length);
      const ours = scripted(outcomes);
      const theirs = scripted(outcomes);

      // Act
      const got = await settle(() => processKinesisRecords(batch, ours.handle));
      const want = await settle(() =>
        processPartialResponse(
          { Records: batch },
          async (record: KinesisStreamRecord) => theirs.handle(record),
          new BatchProcessor(EventType.KinesisDataStreams),
          { processInParallel: false },
        ),
      );

      // Assess
      expect(ours.seen).toEqual(batch.map((r) => r.kinesis.sequenceNumber));
      expect(ours.seen).toEqual(theirs.seen);
      expect(got.value).toEqual(want.value);
      if (want.error) {
        expect(got.error).toBeInstanceOf(FullBatchFailureError);
        expect((got.error as FullBatchFailureError).message).toBe((want.error as FullBatchFailureError).message);
        expect((got.error as FullBatchFailureError).recordErrors.map((e) => e.message)).toEqual(
          (want.error as FullBatchFailureError).recordErrors.map((e) => e.message),
        );
      } else {
        expect(got.error).toBeUndefined();
      }
    });
  }

  it('waits for a record that returns a promise before the next one', async () => {
    // Prepare
    const order: string[] = [];
    const handle = (record: KinesisStreamRecord) => {
      const seq = record.kinesis.sequenceNumber;
      order.push(`start ${seq}`);
      if (seq !== '1') return undefined;
      return new Promise<void>((resolve) =>
        setTimeout(() => {
          order.push('end 1');
          resolve();
        }, 5),
      );
    };

    // Act
    await processKinesisRecords(records(2), handle);

    // Assess
    expect(order).toEqual(['start 1', 'end 1', 'start 2']);
  });
});
