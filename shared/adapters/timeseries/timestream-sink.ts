import {
  type _Record,
  RejectedRecordsException,
  TimestreamWriteClient,
  WriteRecordsCommand,
} from '@aws-sdk/client-timestream-write';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Bar } from '../../domain/breakers/bars.js';
import type { MarketEvent } from '../../domain/market/events.js';
import { type TimeSeriesSink, tickRow } from './port.js';

/** WriteRecords takes at most 100 records per call. */
export const TIMESTREAM_MAX_RECORDS = 100;

export interface TimestreamSinkOptions {
  readonly database: string;
  readonly ticksTable: string;
  readonly barsTable: string;
  /**
   * The ingest endpoint, e.g. `https://ingest-cell1.timestream.eu-west-1.amazonaws.com`
   * (from the stage config) or an emulator. Given explicitly so the client skips endpoint
   * discovery, which otherwise sends to whatever address DescribeEndpoints returns.
   */
  readonly endpoint: string;
  readonly region?: string;
  /** Told about records Timestream refused for a reason a retry cannot fix. */
  readonly onRejected?: (rejected: readonly { index: number; reason: string }[]) => void;
  /** For bars: a newer version replaces an older one (the open bar is rewritten each batch). @default Date.now */
  readonly version?: () => number;
}

/** Builds a client with an explicit endpoint (no discovery) and HTTP/1.1 keep-alive. */
export function createTimestreamWriteClient(endpoint: string, region?: string): TimestreamWriteClient {
  return new TimestreamWriteClient({
    endpoint,
    region,
    maxAttempts: 3,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 1_000, requestTimeout: 5_000 }),
  });
}

/**
 * Amazon Timestream for LiveAnalytics: ticks as multi-measure records (dimensions symbol,
 * kind, event id) and bars with a version so a rewrite of the open bar replaces it. Batched
 * WriteRecords of up to 100 records. RejectedRecords: a record rejected because the same or
 * a newer version is stored is a redelivery and counts as written; any other rejection is
 * reported to `onRejected` and dropped (a retry would be rejected again and block the
 * shard); throttling and 5xx errors throw so the batch is retried.
 */
export class TimestreamTimeSeriesSink implements TimeSeriesSink {
  readonly client: TimestreamWriteClient;

  constructor(
    private readonly options: TimestreamSinkOptions,
    client?: TimestreamWriteClient,
  ) {
    this.client = client ?? createTimestreamWriteClient(options.endpoint, options.region);
  }

  async writeTicks(events: readonly MarketEvent[]): Promise<void> {
    const records: _Record[] = events.map((event) => {
      const row = tickRow(event);
      const measures: [string, string | null][] = [
        ['bid', row.bid],
        ['bid_qty', row.bidQty],
        ['ask', row.ask],
        ['ask_qty', row.askQty],
        ['price', row.price],
        ['qty', row.qty],
      ];
      return {
        Dimensions: [
          { Name: 'symbol', Value: row.symbol },
          { Name: 'kind', Value: row.kind },
          { Name: 'event_id', Value: row.eventId },
        ],
        MeasureName: 'tick',
        MeasureValueType: 'MULTI',
        MeasureValues: [
          ...measures
            .filter((m): m is [string, string] => m[1] !== null)
            .map(([Name, Value]) => ({ Name, Value, Type: 'DOUBLE' as const })),
          { Name: 'received_at_ms', Value: String(row.receivedAtMs), Type: 'BIGINT' as const },
          ...(row.side ? [{ Name: 'side', Value: row.side, Type: 'VARCHAR' as const }] : []),
        ],
        Time: String(row.eventTsMs),
        TimeUnit: 'MILLISECONDS',
        Version: 1,
      };
    });
    await this.write(this.options.ticksTable, records);
  }

  async writeBars(bars: readonly Bar[]): Promise<void> {
    const version = (this.options.version ?? Date.now)();
    const records: _Record[] = bars.map((bar) => ({
      Dimensions: [
        { Name: 'symbol', Value: bar.symbol },
        { Name: 'interval', Value: '1m' },
      ],
      MeasureName: 'bar',
      MeasureValueType: 'MULTI',
      MeasureValues: [
        { Name: 'open', Value: bar.open, Type: 'DOUBLE' },
        { Name: 'high', Value: bar.high, Type: 'DOUBLE' },
        { Name: 'low', Value: bar.low, Type: 'DOUBLE' },
        { Name: 'close', Value: bar.close, Type: 'DOUBLE' },
        { Name: 'volume', Value: bar.volume, Type: 'DOUBLE' },
        { Name: 'trades', Value: String(bar.trades), Type: 'BIGINT' },
      ],
      Time: String(bar.bucketStartMs),
      TimeUnit: 'MILLISECONDS',
      Version: version,
    }));
    await this.write(this.options.barsTable, records);
  }

  private async write(table: string, records: readonly _Record[]): Promise<void> {
    for (let start = 0; start < records.length; start += TIMESTREAM_MAX_RECORDS) {
      const chunk = records.slice(start, start + TIMESTREAM_MAX_RECORDS);
      try {
        await this.client.send(
          new WriteRecordsCommand({ DatabaseName: this.options.database, TableName: table, Records: chunk }),
        );
      } catch (error) {
        if (!(error instanceof RejectedRecordsException)) throw error;
        const unfixable = (error.RejectedRecords ?? [])
          .filter((r) => r.ExistingVersion === undefined || r.ExistingVersion === null)
          .map((r) => ({ index: start + (r.RecordIndex ?? 0), reason: r.Reason ?? 'unknown' }));
        if (unfixable.length > 0) this.options.onRejected?.(unfixable);
      }
    }
  }
}
