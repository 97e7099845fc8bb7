import { FullBatchFailureError } from '@aws-lambda-powertools/batch';
import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import type { BatchSummary, MarketEvaluator, StreamRecord } from './evaluator.js';

export function toStreamRecord(record: KinesisStreamRecord): StreamRecord {
  return {
    sequenceNumber: record.kinesis.sequenceNumber,
    partitionKey: record.kinesis.partitionKey,
    data: record.kinesis.data,
    eventSourceArn: record.eventSourceARN,
  };
}

/**
 * The Lambda's inner function with partial batch responses. Records are applied one by one
 * in stream order (never in parallel: volatility and hysteresis depend on order); a record
 * that throws is reported in `batchItemFailures` and Lambda retries from it. The commit
 * after the loop throws on a store failure, failing the invocation so Lambda retries
 * (bisecting) the batch; every write is idempotent.
 */
export function createMarketEventsHandler(
  evaluator: MarketEvaluator,
  onSummary?: (summary: BatchSummary, event: KinesisStreamEvent) => void,
): (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse> {
  return async (event) => {
    const batch = await evaluator.openBatch(event.Records.map(toStreamRecord));
    // The opened batch holds every record already decoded, in this order.
    const response = await processKinesisRecords(event.Records, (_record, index) => batch.applyAt(index));
    const summary = await batch.commit();
    onSummary?.(summary, event);
    return response;
  };
}

/**
 * What Powertools' `processPartialResponse` answers with a `BatchProcessor` for Kinesis and
 * `processInParallel: false` (the records handled one after the other, in order; each
 * failure reported by sequence number; every record failed: its `FullBatchFailureError`,
 * so Lambda retries the batch), in a loop of our own that waits only for the records that
 * return a promise. Powertools' processor reads `process.env` four times per record through
 * its store's getters (an AsyncLocalStorage store on multi-concurrency Lambda) and awaits
 * every record: about 1 µs per record, more than the evaluator's own work on most records
 * (profile in docs/benchmarks.md). process-batch.test.ts holds the two to the same answers.
 */
export async function processKinesisRecords(
  records: readonly KinesisStreamRecord[],
  handle: (record: KinesisStreamRecord, index: number) => Promise<unknown> | undefined,
): Promise<KinesisStreamBatchResponse> {
  const failed: KinesisStreamRecord[] = [];
  const errors: Error[] = [];
  for (let index = 0; index < records.length; index++) {
    const record = records[index] as KinesisStreamRecord;
    try {
      const pending = handle(record, index);
      if (pending !== undefined) await pending;
    } catch (error) {
      failed.push(record);
      errors.push(error as Error);
    }
  }
  if (failed.length > 0 && errors.length === records.length) throw new FullBatchFailureError(errors);
  return { batchItemFailures: failed.map((record) => ({ itemIdentifier: record.kinesis.sequenceNumber })) };
}
