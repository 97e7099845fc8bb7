import { describe, expect, it } from 'vitest';
import type { DecisionRecord } from '../../shared/domain/risk/ports.js';
import { type DrainSettings, drainAuditSpool, moveSpoolBatches } from './drain-audit-spool.js';
import type { AuditSpoolReader, AuditTableWriter, SpoolEntry } from './ports.js';

/** The spool port in memory: entries in order, a dead-letter list, and switches to fail. */
class MemorySpool implements AuditSpoolReader {
  readonly entries: SpoolEntry[] = [];
  readonly dead: SpoolEntry[] = [];
  readonly readAtRemainingMs: number[] = [];
  unreachable = false;
  private nextId = 1;

  constructor(private readonly remainingMs: () => number = () => 0) {}

  add(record: DecisionRecord | null): string {
    const id = `${this.nextId++}-0`;
    this.entries.push({ id, record });
    return id;
  }

  async read(count: number) {
    this.readAtRemainingMs.push(this.remainingMs());
    if (this.unreachable) throw new Error('redis down');
    return this.entries.slice(0, count);
  }

  async park(entries: readonly SpoolEntry[]) {
    this.dead.push(...entries);
  }

  async remove(ids: readonly string[]) {
    const gone = new Set(ids);
    this.entries.splice(0, this.entries.length, ...this.entries.filter((entry) => !gone.has(entry.id)));
  }

  async length() {
    if (this.unreachable) throw new Error('redis down');
    return this.entries.length;
  }

  async deadLength() {
    if (this.unreachable) throw new Error('redis down');
    return this.dead.length;
  }
}

/** The audit table port in memory: idempotent on the decision id, like the real one. */
class MemoryAuditTable implements AuditTableWriter {
  readonly rows = new Map<string, DecisionRecord>();
  down = false;

  async insert(records: readonly DecisionRecord[]) {
    if (this.down) throw new Error('postgres down');
    for (const record of records) if (!this.rows.has(record.decisionId)) this.rows.set(record.decisionId, record);
  }
}

/** A Lambda's budget on a virtual clock: sleeping spends it, so a test never waits. */
function virtualDeadline(budgetMs: number) {
  let elapsedMs = 0;
  return {
    remainingMs: () => budgetMs - elapsedMs,
    sleep: async (ms: number) => {
      elapsedMs += ms;
    },
  };
}

const settings: DrainSettings = {
  batchSize: 2,
  maxBatches: 10,
  safetyMarginMs: 5_000,
  idleSleepMs: 250,
  failureBackoffMs: 1_000,
};

let decisionSeq = 0;
function record(): DecisionRecord {
  decisionSeq++;
  return {
    decisionId: `decision-${decisionSeq}`,
    decidedAt: '2026-03-03T12:00:00.000Z',
    accountId: 'company',
    orderId: `order-${decisionSeq}`,
    symbol: 'BTC/USD',
    decision: 'accept',
    reasonCodes: [],
    limitsVersion: 1,
    requestHash: 'hash',
    request: {},
    inputs: {},
    response: { decision: 'accept' } as DecisionRecord['response'],
    latencyUs: 10,
  };
}

describe('Function: drainAuditSpool', () => {
  it('moves every spooled record to the audit table and empties the spool', async () => {
    // Prepare
    const deadline = virtualDeadline(6_000);
    const spool = new MemorySpool(deadline.remainingMs);
    const table = new MemoryAuditTable();
    const records = [record(), record(), record(), record(), record()];
    for (const r of records) spool.add(r);

    // Act
    const report = await drainAuditSpool({ spool, table }, deadline, settings);

    // Assess
    expect(report).toEqual({ moved: 5, parked: 0, failures: 0, spoolLength: 0, deadLetters: 0 });
    expect([...table.rows.keys()]).toEqual(records.map((r) => r.decisionId));
    expect(spool.entries).toEqual([]);
  });

  it('leaves the records in the spool when the audit table write fails, and counts the failures', async () => {
    // Prepare
    const deadline = virtualDeadline(7_500);
    const spool = new MemorySpool(deadline.remainingMs);
    const table = new MemoryAuditTable();
    table.down = true;
    spool.add(record());
    spool.add(record());
    const errors: unknown[] = [];

    // Act
    const report = await drainAuditSpool({ spool, table }, deadline, settings, (error) => errors.push(error));

    // Assess: 2.5 s above the margin with a 1 s back-off leaves room for three attempts.
    expect(report).toEqual({ moved: 0, parked: 0, failures: 3, spoolLength: 2, deadLetters: 0 });
    expect(errors.map(String)).toEqual(['Error: postgres down', 'Error: postgres down', 'Error: postgres down']);
    expect(table.rows.size).toBe(0);
    expect(spool.entries).toHaveLength(2);
  });

  it('parks an unreadable entry in the dead-letter stream, once, and still moves the rest', async () => {
    // Prepare
    const deadline = virtualDeadline(6_000);
    const spool = new MemorySpool(deadline.remainingMs);
    const table = new MemoryAuditTable();
    const good = record();
    const unreadableId = spool.add(null);
    spool.add(good);
    table.down = true;

    // Act: a first run while the table is down, then one after it is back.
    const whileDown = await drainAuditSpool({ spool, table }, deadline, settings);
    table.down = false;
    const afterwards = await drainAuditSpool({ spool, table }, virtualDeadline(6_000), settings);

    // Assess
    expect(whileDown).toMatchObject({ moved: 0, parked: 1, deadLetters: 1, spoolLength: 1 });
    expect(afterwards).toEqual({ moved: 1, parked: 0, failures: 0, spoolLength: 0, deadLetters: 1 });
    expect(spool.dead.map((entry) => entry.id)).toEqual([unreadableId]);
    expect([...table.rows.keys()]).toEqual([good.decisionId]);
  });

  it('reports -1 for the spool and dead-letter lengths when Redis cannot say', async () => {
    // Prepare
    const deadline = virtualDeadline(6_000);
    const spool = new MemorySpool(deadline.remainingMs);
    spool.add(record());
    spool.unreachable = true;

    // Act
    const report = await drainAuditSpool({ spool, table: new MemoryAuditTable() }, deadline, settings);

    // Assess
    expect(report.spoolLength).toBe(-1);
    expect(report.deadLetters).toBe(-1);
    expect(report.failures).toBeGreaterThan(0);
    expect(spool.entries).toHaveLength(1);
  });

  it('starts no pass once the time left is within the safety margin of the Lambda deadline', async () => {
    // Prepare
    const deadline = virtualDeadline(8_000);
    const spool = new MemorySpool(deadline.remainingMs);

    // Act: the spool stays empty, so every pass is followed by the idle sleep.
    const report = await drainAuditSpool({ spool, table: new MemoryAuditTable() }, deadline, settings);

    // Assess: 3 s above the margin at 250 ms per idle pass is 12 passes, all above the margin.
    expect(spool.readAtRemainingMs).toHaveLength(12);
    expect(Math.min(...spool.readAtRemainingMs)).toBeGreaterThan(settings.safetyMarginMs);
    expect(deadline.remainingMs()).toBe(settings.safetyMarginMs);
    expect(report.moved).toBe(0);
  });

  it('does nothing but report when invoked with no time to spare', async () => {
    // Prepare
    const spool = new MemorySpool();
    spool.add(record());

    // Act
    const report = await drainAuditSpool(
      { spool, table: new MemoryAuditTable() },
      virtualDeadline(settings.safetyMarginMs),
      settings,
    );

    // Assess
    expect(spool.readAtRemainingMs).toEqual([]);
    expect(report).toEqual({ moved: 0, parked: 0, failures: 0, spoolLength: 1, deadLetters: 0 });
  });
});

describe('Function: moveSpoolBatches', () => {
  it('stops after the batch limit and leaves the rest for the next pass', async () => {
    // Prepare
    const spool = new MemorySpool();
    const table = new MemoryAuditTable();
    for (let i = 0; i < 7; i++) spool.add(record());

    // Act
    const pass = await moveSpoolBatches({ spool, table }, { batchSize: 2, maxBatches: 3 });

    // Assess
    expect(pass).toEqual({ moved: 6, parked: 0 });
    expect(spool.entries).toHaveLength(1);
    expect(table.rows.size).toBe(6);
  });

  it('throws when the table write fails, so the caller knows the records are still spooled', async () => {
    // Prepare
    const spool = new MemorySpool();
    const table = new MemoryAuditTable();
    table.down = true;
    spool.add(record());

    // Act
    const pass = moveSpoolBatches({ spool, table }, { batchSize: 2, maxBatches: 3 });

    // Assess
    await expect(pass).rejects.toThrow('postgres down');
    expect(spool.entries).toHaveLength(1);
  });
});
