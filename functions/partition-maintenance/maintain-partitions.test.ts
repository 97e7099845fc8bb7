import { describe, expect, it } from 'vitest';
import {
  type MaintenanceSettings,
  maintainPartitions,
  PartitionMaintenanceFailedError,
} from './maintain-partitions.js';
import type { DefaultPartitionDay, DefaultRowsRecovery, PartitionStore, TableLayout, UtcDay } from './ports.js';
import { addDays } from './utc-day.js';

interface FakeTable {
  layout: TableLayout;
  /** Day -> rows in that day's partition. */
  partitions: Map<UtcDay, number>;
  /** Day -> rows that landed in DEFAULT. */
  fallback: Map<UtcDay, number>;
  chunksDroppedBefore: UtcDay[];
}

/**
 * The port in memory, with the rule that makes the job necessary: a day's partition cannot
 * be created while DEFAULT holds rows of that day (PostgreSQL refuses it).
 */
class InMemoryPartitionStore implements PartitionStore {
  readonly tables = new Map<string, FakeTable>();
  readonly failures = new Map<string, Error>();

  addTable(table: string, layout: TableLayout = 'daily-partitions', days: UtcDay[] = []): void {
    this.tables.set(table, {
      layout,
      partitions: new Map(days.map((d) => [d, 0])),
      fallback: new Map(),
      chunksDroppedBefore: [],
    });
  }

  insert(table: string, day: UtcDay, rows = 1): void {
    const t = this.table(table);
    const target = t.partitions.has(day) ? t.partitions : t.fallback;
    target.set(day, (target.get(day) ?? 0) + rows);
  }

  rowsOf(table: string, day: UtcDay): { partition: number | undefined; fallback: number } {
    const t = this.table(table);
    return { partition: t.partitions.get(day), fallback: t.fallback.get(day) ?? 0 };
  }

  async layout(table: string): Promise<TableLayout> {
    return this.tables.get(table)?.layout ?? 'absent';
  }

  async dailyPartitions(table: string): Promise<UtcDay[]> {
    return [...this.table(table).partitions.keys()];
  }

  async defaultRowsByDay(table: string): Promise<DefaultPartitionDay[]> {
    return [...this.table(table).fallback].map(([day, rows]) => ({ day, rows }));
  }

  async createPartitions(table: string, days: readonly UtcDay[]): Promise<number> {
    this.failIfAsked(table);
    const t = this.table(table);
    for (const day of days) {
      if (t.fallback.has(day)) throw new Error(`default partition holds rows of ${day}`);
    }
    let created = 0;
    for (const day of days) {
      if (!t.partitions.has(day)) {
        t.partitions.set(day, 0);
        created += 1;
      }
    }
    return created;
  }

  async recoverDefaultRows(table: string, days: readonly UtcDay[]): Promise<DefaultRowsRecovery> {
    this.failIfAsked(table);
    const t = this.table(table);
    let partitionsCreated = 0;
    let rowsMoved = 0;
    for (const day of days) {
      if (!t.partitions.has(day)) partitionsCreated += 1;
      const rows = t.fallback.get(day) ?? 0;
      t.partitions.set(day, (t.partitions.get(day) ?? 0) + rows);
      t.fallback.delete(day);
      rowsMoved += rows;
    }
    return { partitionsCreated, rowsMoved };
  }

  async dropPartitions(table: string, days: readonly UtcDay[]): Promise<number> {
    const t = this.table(table);
    return days.filter((day) => t.partitions.delete(day)).length;
  }

  async dropChunksBefore(table: string, day: UtcDay): Promise<number> {
    this.table(table).chunksDroppedBefore.push(day);
    return 3;
  }

  private table(table: string): FakeTable {
    const t = this.tables.get(table);
    if (!t) throw new Error(`relation "${table}" does not exist`);
    return t;
  }

  private failIfAsked(table: string): void {
    const failure = this.failures.get(table);
    if (failure) throw failure;
  }
}

const TODAY = '2031-03-10';
const now = () => new Date(`${TODAY}T13:45:00Z`);
const days = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => addDays(TODAY, from + i));

const settings: MaintenanceSettings = {
  daysAhead: 14,
  tables: [
    { table: 'risk_decisions', retentionDays: 30 },
    { table: 'market_ticks', retentionDays: 7 },
  ],
};

/** What the migrations leave: yesterday, today and seven days ahead. */
function migratedStore(): InMemoryPartitionStore {
  const store = new InMemoryPartitionStore();
  store.addTable('risk_decisions', 'daily-partitions', days(-1, 7));
  store.addTable('market_ticks', 'daily-partitions', days(-1, 7));
  return store;
}

describe('Function: maintainPartitions', () => {
  it('extends the migrations’ eight days to the configured days ahead on every table', async () => {
    // Prepare
    const store = migratedStore();

    // Act
    const report = await maintainPartitions({ store, now }, settings);

    // Assess
    expect(report.today).toBe(TODAY);
    expect(report.tables.map((t) => [t.table, t.outcome, t.partitionsCreated, t.daysAhead])).toEqual([
      ['risk_decisions', 'maintained', 7, 14],
      ['market_ticks', 'maintained', 7, 14],
    ]);
    expect(report.partitionsCreated).toBe(14);
    expect(report.daysAhead).toBe(14);
    expect((await store.dailyPartitions('risk_decisions')).sort()).toEqual(days(-1, 14));
  });

  it('moves rows that fell into DEFAULT into their own day’s partition and counts them', async () => {
    // Prepare: day nine onwards has no partition, so rows of days 9 and 20 went to DEFAULT
    const store = migratedStore();
    store.insert('risk_decisions', addDays(TODAY, 9), 4);
    store.insert('risk_decisions', addDays(TODAY, 20), 1);
    store.insert('market_ticks', addDays(TODAY, 12), 2);

    // Act
    const report = await maintainPartitions({ store, now }, settings);

    // Assess
    const decisions = report.tables.find((t) => t.table === 'risk_decisions');
    expect(decisions).toMatchObject({ rowsFoundInDefault: 5, rowsMoved: 5, rowsLeftInDefault: 0, daysAhead: 14 });
    expect(store.rowsOf('risk_decisions', addDays(TODAY, 9))).toEqual({ partition: 4, fallback: 0 });
    expect(store.rowsOf('risk_decisions', addDays(TODAY, 20))).toEqual({ partition: 1, fallback: 0 });
    expect(store.rowsOf('market_ticks', addDays(TODAY, 12))).toEqual({ partition: 2, fallback: 0 });
    expect(report.rowsFoundInDefault).toBe(7);
    // Days 8..14 created ahead, plus day 20 recovered (day 9 is counted once, by the recovery).
    expect(decisions?.partitionsCreated).toBe(8);
  });

  it('drops whole days older than retention and keeps the oldest day still within it', async () => {
    // Prepare
    const store = migratedStore();
    for (const day of days(-40, -2)) await store.createPartitions('risk_decisions', [day]);
    store.insert('risk_decisions', addDays(TODAY, -30), 5);
    store.insert('risk_decisions', addDays(TODAY, -31), 5);

    // Act
    const report = await maintainPartitions({ store, now }, settings);

    // Assess: rows 30 days old are within a 30-day retention; a day before that is not
    const decisions = report.tables.find((t) => t.table === 'risk_decisions');
    expect(decisions?.partitionsDropped).toBe(10);
    expect(store.rowsOf('risk_decisions', addDays(TODAY, -30))).toEqual({ partition: 5, fallback: 0 });
    expect(store.rowsOf('risk_decisions', addDays(TODAY, -31)).partition).toBeUndefined();
    expect((await store.dailyPartitions('risk_decisions')).sort()[0]).toBe(addDays(TODAY, -30));
    expect(report.partitionsDropped).toBe(10);
  });

  it('leaves DEFAULT rows dated before the retention window where they are, and still reports them', async () => {
    // Prepare
    const store = migratedStore();
    store.insert('risk_decisions', '1970-01-01', 2);

    // Act
    const first = await maintainPartitions({ store, now }, settings);
    const second = await maintainPartitions({ store, now }, settings);

    // Assess
    expect(first.tables[0]).toMatchObject({
      outcome: 'maintained',
      rowsFoundInDefault: 2,
      rowsLeftInDefault: 2,
      rowsMoved: 0,
    });
    expect(store.rowsOf('risk_decisions', '1970-01-01')).toEqual({ partition: undefined, fallback: 2 });
    expect(second.rowsFoundInDefault).toBe(2);
  });

  it('changes nothing when run a second time', async () => {
    // Prepare
    const store = migratedStore();
    store.insert('market_ticks', addDays(TODAY, 11), 3);
    for (const day of days(-12, -9)) await store.createPartitions('market_ticks', [day]);
    await maintainPartitions({ store, now }, settings);
    const partitionsAfterFirst = (await store.dailyPartitions('market_ticks')).sort();

    // Act
    const second = await maintainPartitions({ store, now }, settings);

    // Assess
    expect(second).toMatchObject({ partitionsCreated: 0, partitionsDropped: 0, rowsFoundInDefault: 0, daysAhead: 14 });
    expect((await store.dailyPartitions('market_ticks')).sort()).toEqual(partitionsAfterFirst);
  });

  it('fails a table whose store step fails, and claims no days ahead for it', async () => {
    // Prepare: a gap at day 3 that creating would fill, but the lock is not granted
    const store = new InMemoryPartitionStore();
    store.addTable('risk_decisions', 'daily-partitions', [...days(0, 2), ...days(4, 9)]);
    store.failures.set('risk_decisions', new Error('canceling statement due to lock timeout'));

    // Act
    const report = await maintainPartitions(
      { store, now },
      { daysAhead: 14, tables: [{ table: 'risk_decisions', retentionDays: 30 }] },
    );

    // Assess: nothing maintained, so no days-ahead figure claims otherwise
    expect(report.tables[0]).toMatchObject({ outcome: 'failed', error: 'canceling statement due to lock timeout' });
    expect(report.daysAhead).toBeNull();
    expect(report.failedTables).toEqual(['risk_decisions']);
  });

  it('keeps maintaining the other tables when one fails, and names the failed one', async () => {
    // Prepare: market_ticks is missing entirely (migrations not applied)
    const store = new InMemoryPartitionStore();
    store.addTable('risk_decisions', 'daily-partitions', days(-1, 7));

    // Act
    const report = await maintainPartitions({ store, now }, settings);

    // Assess
    expect(report.tables.map((t) => [t.table, t.outcome])).toEqual([
      ['risk_decisions', 'maintained'],
      ['market_ticks', 'failed'],
    ]);
    expect(report.tables[1]?.error).toMatch(/does not exist/);
    expect(report.failedTables).toEqual(['market_ticks']);
    expect(report.daysAhead).toBe(14);
    expect(new PartitionMaintenanceFailedError(report).message).toMatch(/market_ticks: table does not exist/);
  });

  it('on a hypertable only drops chunks past retention, and claims no days ahead for it', async () => {
    // Prepare
    const store = new InMemoryPartitionStore();
    store.addTable('market_ticks', 'hypertable');

    // Act
    const report = await maintainPartitions(
      { store, now },
      { daysAhead: 14, tables: [{ table: 'market_ticks', retentionDays: 7 }] },
    );

    // Assess
    expect(store.tables.get('market_ticks')?.chunksDroppedBefore).toEqual([addDays(TODAY, -7)]);
    expect(report.tables[0]).toMatchObject({ outcome: 'maintained', partitionsDropped: 3, daysAhead: null });
    expect(report.daysAhead).toBeNull();
  });

  it('skips a table that is not partitioned by day', async () => {
    // Prepare
    const store = new InMemoryPartitionStore();
    store.addTable('market_bars', 'not-partitioned');

    // Act
    const report = await maintainPartitions(
      { store, now },
      { daysAhead: 14, tables: [{ table: 'market_bars', retentionDays: 7 }] },
    );

    // Assess
    expect(report.tables[0]).toMatchObject({ outcome: 'skipped', partitionsCreated: 0, partitionsDropped: 0 });
    expect(report.failedTables).toEqual([]);
  });
});
