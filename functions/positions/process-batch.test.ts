import type { KinesisStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { PoisonRecord } from '../../shared/adapters/poison-sink.js';
import type { Fill } from '../../shared/domain/positions/positions.js';
import type { FillOutcome, PoisonFillSink, PositionsLedgerPort } from './ports.js';
import { createExecutionsHandler, type PositionsSummary } from './process-batch.js';

/** An in-memory ledger: each fill id once; `failOn` makes one fill id throw (a store failure). */
class MemoryLedger implements PositionsLedgerPort {
  readonly applied: Fill[] = [];
  readonly mirrored: string[][] = [];
  constructor(private readonly failOn?: string) {}

  async apply(fill: Fill): Promise<FillOutcome> {
    if (fill.fill_id === this.failOn) throw new Error('ledger unavailable');
    if (this.applied.some((f) => f.fill_id === fill.fill_id)) return 'duplicate';
    this.applied.push(fill);
    return 'applied';
  }

  async mirror(accountIds: Iterable<string>): Promise<void> {
    this.mirrored.push([...accountIds].sort());
  }
}

class MemoryPoisonSink implements PoisonFillSink {
  readonly parked: PoisonRecord[] = [];
  async park(record: PoisonRecord): Promise<void> {
    this.parked.push(record);
  }
}

const fill = (id: string, account = 'acct-1'): Fill => ({
  fill_id: id,
  account_id: account,
  symbol: 'BTC/USD',
  side: 'buy',
  qty: '1',
  price: '100',
  fee: '0.1',
  executed_at: '2026-03-02T10:00:00Z',
});

function kinesisEvent(payloads: unknown[]): KinesisStreamEvent {
  return {
    Records: payloads.map((payload, i) => ({
      eventSource: 'aws:kinesis',
      eventSourceARN: 'arn:aws:kinesis:eu-west-1:000000000000:stream/executions',
      eventID: `shardId-000000000000:${i}`,
      eventName: 'aws:kinesis:record',
      eventVersion: '1.0',
      invokeIdentityArn: 'arn:aws:iam::000000000000:role/positions',
      awsRegion: 'eu-west-1',
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: 'acct-1',
        sequenceNumber: String(1000 + i),
        approximateArrivalTimestamp: 1_772_445_600,
        data: Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)).toString('base64'),
      },
    })),
  };
}

describe('Function: createExecutionsHandler', () => {
  it('applies fills in order, counts duplicates and mirrors every touched account once', async () => {
    // Prepare
    const ledger = new MemoryLedger();
    const summaries: PositionsSummary[] = [];
    const handle = createExecutionsHandler(ledger, new MemoryPoisonSink(), (s) => summaries.push(s));

    // Act
    const response = await handle(kinesisEvent([fill('f1'), fill('f2', 'acct-2'), fill('f1')]));

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(ledger.applied.map((f) => f.fill_id)).toEqual(['f1', 'f2']);
    expect(summaries).toEqual([{ applied: 2, duplicates: 1, poison: 0 }]);
    expect(ledger.mirrored).toEqual([['acct-1', 'acct-2']]);
  });

  it('parks a malformed fill with its reason and position, and applies the rest', async () => {
    // Prepare
    const ledger = new MemoryLedger();
    const poison = new MemoryPoisonSink();
    const handle = createExecutionsHandler(ledger, poison);

    // Act
    const response = await handle(kinesisEvent([fill('f1'), 'not json', { ...fill('f2'), qty: 1 }, fill('f3')]));

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(ledger.applied.map((f) => f.fill_id)).toEqual(['f1', 'f3']);
    expect(poison.parked.map((p) => [p.source, p.sequenceNumber, p.reason.split(':')[0]])).toEqual([
      ['positions', '1001', 'not JSON'],
      ['positions', '1002', 'not a fill'],
    ]);
  });

  it('fails every record after the first failure, so the retry replays them in order', async () => {
    // Prepare
    const ledger = new MemoryLedger('f2');
    const handle = createExecutionsHandler(ledger, new MemoryPoisonSink());

    // Act
    const response = await handle(kinesisEvent([fill('f1'), fill('f2'), fill('f3')]));

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: '1001' }, { itemIdentifier: '1002' }]);
    expect(ledger.applied.map((f) => f.fill_id)).toEqual(['f1']);
    expect(ledger.mirrored).toEqual([['acct-1']]);
  });
});
