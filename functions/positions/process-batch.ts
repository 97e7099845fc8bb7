import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { type Fill, fillSchema } from '../../shared/domain/positions/positions.js';
import type { PoisonFillSink, PositionsLedgerPort } from './ports.js';

export interface PositionsSummary {
  applied: number;
  duplicates: number;
  poison: number;
}

function decodeFill(base64: string): Fill | string {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(base64, 'base64').toString('utf8'));
  } catch {
    return 'not JSON';
  }
  const parsed = fillSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  return `not a fill: ${issue?.path.join('.') || '(root)'} ${issue?.message ?? ''}`;
}

/**
 * The positions Lambda's inner function. Fills are applied in stream order; after the
 * first failure every later record of the batch is failed too, so Lambda's retry from the
 * first failed sequence number replays them in order (a position's average entry depends
 * on it). Malformed fills go to the DLQ. The Redis mirror of every touched account is
 * rewritten at the end (also after duplicates: a previous attempt may have died before it).
 */
export function createExecutionsHandler(
  ledger: PositionsLedgerPort,
  poison: PoisonFillSink,
  onSummary?: (summary: PositionsSummary) => void,
): (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse> {
  return async (event) => {
    const summary: PositionsSummary = { applied: 0, duplicates: 0, poison: 0 };
    const touched = new Set<string>();
    let failed = false;
    const recordHandler = async (record: KinesisStreamRecord) => {
      if (failed) throw new Error('not attempted: an earlier record of this shard failed');
      try {
        const fill = decodeFill(record.kinesis.data);
        if (typeof fill === 'string') {
          await poison.park({
            source: 'positions',
            reason: fill,
            sequenceNumber: record.kinesis.sequenceNumber,
            partitionKey: record.kinesis.partitionKey,
            eventSourceArn: record.eventSourceARN,
            data: record.kinesis.data,
          });
          summary.poison++;
          return;
        }
        touched.add(fill.account_id);
        const outcome = await ledger.apply(fill);
        summary[outcome === 'applied' ? 'applied' : 'duplicates']++;
      } catch (error) {
        failed = true;
        throw error;
      }
    };
    const response = await processPartialResponse(
      event,
      recordHandler,
      new BatchProcessor(EventType.KinesisDataStreams),
      {
        processInParallel: false,
        throwOnFullBatchFailure: false,
      },
    );
    await ledger.mirror(touched);
    onSummary?.(summary);
    return response;
  };
}
