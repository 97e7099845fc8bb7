import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
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
 * The Lambda's inner function: Powertools batch processing with partial batch responses.
 * Records are applied one by one in stream order (never in parallel: volatility and
 * hysteresis depend on order); a record that throws is reported in `batchItemFailures` and
 * Lambda retries from it. The commit after the loop throws on a store failure, failing the
 * invocation so Lambda retries (bisecting) the batch; every write is idempotent.
 */
export function createMarketEventsHandler(
  evaluator: MarketEvaluator,
  onSummary?: (summary: BatchSummary, event: KinesisStreamEvent) => void,
): (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse> {
  return async (event) => {
    const batch = await evaluator.openBatch(event.Records.map(toStreamRecord));
    const processor = new BatchProcessor(EventType.KinesisDataStreams);
    const response = await processPartialResponse(
      event,
      // The opened batch holds every record already decoded: look it up, build nothing.
      (record: KinesisStreamRecord) => batch.applySequence(record.kinesis.sequenceNumber),
      processor,
      { processInParallel: false },
    );
    const summary = await batch.commit();
    onSummary?.(summary, event);
    return response;
  };
}
