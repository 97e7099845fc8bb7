import type { Redis } from 'ioredis';
import type { AuditWriter, DecisionRecord } from '../../../shared/domain/risk/ports.js';
import { REDIS_KEYS } from '../../../shared/names.js';

/**
 * Moves audit records from the Redis spool (written in the same step as the decision) into
 * Postgres. An entry is deleted from the spool only after the insert committed, and the
 * insert is idempotent, so a crash between the two re-inserts nothing twice and loses
 * nothing. While Postgres is down the spool grows; `spoolLength` feeds the alarm.
 */
export class AuditDrainer {
  /** Spool entries parked in the dead stream since this drainer started. */
  deadEntries = 0;

  constructor(
    private readonly redis: Redis,
    private readonly writer: AuditWriter,
    private readonly batchSize = 500,
  ) {}

  /** Drains until the spool is empty or `maxBatches` ran; returns records moved. */
  async drain(maxBatches = 100): Promise<number> {
    let moved = 0;
    for (let batch = 0; batch < maxBatches; batch++) {
      const entries = await this.redis.xrange(REDIS_KEYS.auditSpool, '-', '+', 'COUNT', this.batchSize);
      if (entries.length === 0) break;
      const records: DecisionRecord[] = [];
      for (const [id, fields] of entries) {
        const index = fields.indexOf('r');
        const json = index >= 0 ? fields[index + 1] : undefined;
        const record = json ? parseRecord(json) : null;
        if (record) records.push(record);
        else {
          // An entry that cannot be read must not block every later decision's audit:
          // park it, whole, in the dead stream (metric AuditSpoolDeadLetters, alarmed).
          await this.redis.xadd(REDIS_KEYS.auditSpoolDead, '*', 'id', id, ...fields);
          this.deadEntries++;
        }
      }
      await this.writer.insert(records);
      await this.redis.xdel(REDIS_KEYS.auditSpool, ...entries.map(([id]) => id));
      moved += records.length;
      if (entries.length < this.batchSize) break;
    }
    return moved;
  }

  async spoolLength(): Promise<number> {
    return this.redis.xlen(REDIS_KEYS.auditSpool);
  }

  /** Entries waiting in the dead stream for a person: any at all is alarmed. */
  async deadLength(): Promise<number> {
    return this.redis.xlen(REDIS_KEYS.auditSpoolDead);
  }
}

function parseRecord(json: string): DecisionRecord | null {
  try {
    const record = JSON.parse(json) as DecisionRecord;
    return record && typeof record.decisionId === 'string' && typeof record.decidedAt === 'string' ? record : null;
  } catch {
    return null;
  }
}
