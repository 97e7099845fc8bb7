import { randomUUID } from 'node:crypto';
import { CreateDatabaseCommand, CreateTableCommand } from '@aws-sdk/client-timestream-write';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseUrl, local } from '../../../test/local-env.js';
import type { Bar } from '../../domain/breakers/bars.js';
import type { MarketEvent } from '../../domain/market/events.js';
import { TABLES } from '../../names.js';
import { AuroraTimeSeriesSink } from './aurora-sink.js';
import { TimestreamTimeSeriesSink } from './timestream-sink.js';

const T0 = Date.parse(new Date().toISOString().slice(0, 10)) + 3_600_000; // 01:00 UTC today

function ticks(n: number, symbol = 'BTC/USD'): MarketEvent[] {
  return Array.from(
    { length: n },
    (_, i): MarketEvent =>
      i % 2 === 0
        ? {
            type: 'trade',
            event_id: `${symbol}:${randomUUID()}`,
            symbol,
            exchange_ts: new Date(T0 + i).toISOString(),
            receive_ts: new Date(T0 + i + 2).toISOString(),
            trade_id: i,
            side: 'sell',
            price: '65000.1',
            qty: '0.00012345',
          }
        : {
            type: 'top_of_book',
            event_id: `${symbol}:${randomUUID()}`,
            symbol,
            exchange_ts: null,
            receive_ts: new Date(T0 + i).toISOString(),
            bid: '65000',
            bid_qty: '1.5',
            ask: '65000.2',
            ask_qty: '2',
            mid: '65000.1',
            spread_bps: '0.03',
          },
  );
}

const bar = (overrides: Partial<Bar> = {}): Bar => ({
  symbol: 'ETH/USD',
  bucketStartMs: T0,
  open: '3000',
  high: '3010.5',
  low: '2999',
  close: '3005',
  volume: '12.5',
  trades: 40,
  ...overrides,
});

describe('Class: AuroraTimeSeriesSink (local PostgreSQL partitions)', () => {
  const pool = new pg.Pool({ connectionString: databaseUrl() });
  afterAll(() => pool.end());

  it('writes ticks into the day partition, once per event id', async () => {
    const sink = new AuroraTimeSeriesSink(pool);
    const batch = ticks(6, `P${randomUUID().slice(0, 4).toUpperCase()}/USD`);
    await sink.writeTicks(batch);
    await sink.writeTicks(batch);
    const { rows } = await pool.query(
      `SELECT tableoid::regclass::text AS part, kind, price::text, qty::text, side, exchange_ts IS NULL AS no_exchange_ts
         FROM ${TABLES.marketTicks} WHERE symbol = $1 ORDER BY event_ts`,
      [batch[0]?.symbol],
    );
    expect(rows).toHaveLength(6);
    const day = new Date(T0).toISOString().slice(0, 10).replaceAll('-', '');
    expect(new Set(rows.map((r) => r.part))).toEqual(new Set([`${TABLES.marketTicks}_p${day}`]));
    expect(rows[0]).toMatchObject({
      kind: 'trade',
      price: '65000.1',
      qty: '0.00012345',
      side: 'sell',
      no_exchange_ts: false,
    });
    expect(rows[1]).toMatchObject({ kind: 'top_of_book', price: '65000.1', no_exchange_ts: true });
  });

  it('upserts bars with absolute values (a rewrite of the open bar replaces it)', async () => {
    const sink = new AuroraTimeSeriesSink(pool);
    const symbol = `B${randomUUID().slice(0, 4).toUpperCase()}/USD`;
    await sink.writeBars([bar({ symbol })]);
    await sink.writeBars([bar({ symbol, high: '3020', close: '3019', volume: '13', trades: 41 })]);
    const { rows } = await pool.query(
      `SELECT tableoid::regclass::text AS part, open::text, high::text, close::text, volume::text, trades, bar_interval::text
         FROM ${TABLES.marketBars} WHERE symbol = $1`,
      [symbol],
    );
    expect(rows).toEqual([
      expect.objectContaining({
        open: '3000',
        high: '3020',
        close: '3019',
        volume: '13',
        trades: 41,
        bar_interval: '00:01:00',
      }),
    ]);
    expect(rows[0].part).toMatch(new RegExp(`^${TABLES.marketBars}_p\\d{8}$`));
  });
});

describe('Class: TimestreamTimeSeriesSink (moto, explicit endpoint)', () => {
  const database = `it${randomUUID().slice(0, 8)}`;
  const sink = new TimestreamTimeSeriesSink({
    endpoint: local.timestreamEndpoint,
    region: local.region,
    database,
    ticksTable: 'ticks',
    barsTable: 'bars',
    version: () => 7,
  });

  beforeAll(async () => {
    await sink.client.send(new CreateDatabaseCommand({ DatabaseName: database }));
    for (const table of ['ticks', 'bars']) {
      await sink.client.send(new CreateTableCommand({ DatabaseName: database, TableName: table }));
    }
  });
  afterAll(() => sink.client.destroy());

  /** Records the emulator holds (moto's state API): the test reads what was really written. */
  async function stored(table: string): Promise<Record<string, unknown>[]> {
    const response = await fetch(`${local.timestreamEndpoint}/moto-api/data.json`);
    const data = (await response.json()) as {
      timestreamwrite: { TimestreamTable: { db_name: string; name: string; records: Record<string, unknown>[] }[] };
    };
    return data.timestreamwrite.TimestreamTable.find((t) => t.db_name === database && t.name === table)?.records ?? [];
  }

  it('writes ticks in WriteRecords batches of at most 100 as multi-measure records', async () => {
    const events = ticks(250);
    await sink.writeTicks(events);
    const records = await stored('ticks');
    expect(records).toHaveLength(250);
    expect(records[0]).toMatchObject({
      MeasureName: 'tick',
      MeasureValueType: 'MULTI',
      TimeUnit: 'MILLISECONDS',
      Time: String(T0),
      Dimensions: [
        { Name: 'symbol', Value: 'BTC/USD' },
        { Name: 'kind', Value: 'trade' },
        { Name: 'event_id', Value: events[0]?.event_id },
      ],
    });
    expect(records[0]?.MeasureValues).toEqual(
      expect.arrayContaining([
        { Name: 'price', Value: '65000.1', Type: 'DOUBLE' },
        { Name: 'side', Value: 'sell', Type: 'VARCHAR' },
      ]),
    );
  });

  it('writes bars with the version that lets a rewrite of the open bar win', async () => {
    await sink.writeBars([bar()]);
    expect(await stored('bars')).toEqual([
      expect.objectContaining({
        MeasureName: 'bar',
        Version: 7,
        Time: String(T0),
        Dimensions: [
          { Name: 'symbol', Value: 'ETH/USD' },
          { Name: 'interval', Value: '1m' },
        ],
      }),
    ]);
  });
});
