import type { Redis } from 'ioredis';
import type { DecisionRecord } from '../../domain/risk/ports.js';
import { REDIS_KEYS } from '../../names.js';

/**
 * The one codec of a decision audit spool entry, the stream at `REDIS_KEYS.auditSpool`:
 * the risk API writes entries through {@link encodeSpoolEntry} (its commit script appends
 * the fields as given) and the audit drainer reads them through {@link RedisAuditSpool}, so
 * the entry layout exists once.
 */
export const AUDIT_SPOOL_FIELDS = {
  /** The decision record as JSON. */
  record: 'r',
} as const;

/** The stream fields (name, value, ...) of one decision's spool entry. */
export function encodeSpoolEntry(record: DecisionRecord): [string, string] {
  return [AUDIT_SPOOL_FIELDS.record, JSON.stringify(record)];
}

/** The decision record of an entry's fields (as XRANGE returns them), or null when unreadable. */
export function decodeSpoolEntry(fields: readonly string[]): DecisionRecord | null {
  let json: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === AUDIT_SPOOL_FIELDS.record) json = fields[i + 1];
  }
  if (!json) return null;
  try {
    const record = JSON.parse(json) as DecisionRecord | null;
    return record && typeof record.decisionId === 'string' && typeof record.decidedAt === 'string' ? record : null;
  } catch {
    return null;
  }
}

/** One entry read from the spool: its record, or null when it cannot be read back. */
export interface RedisSpoolEntry {
  readonly id: string;
  readonly record: DecisionRecord | null;
  /** The entry's fields as stored, so a parked entry is kept whole for a person to inspect. */
  readonly fields: readonly string[];
}

/**
 * The audit drainer's view of the spool and of its dead-letter stream
 * (`REDIS_KEYS.auditSpoolDead`). An entry leaves the spool only through {@link remove},
 * which the drainer calls after the audit table committed its record.
 */
export class RedisAuditSpool {
  constructor(private readonly redis: Redis) {}

  /** The oldest `count` entries, oldest first. */
  async read(count: number): Promise<RedisSpoolEntry[]> {
    const entries = await this.redis.xrange(REDIS_KEYS.auditSpool, '-', '+', 'COUNT', count);
    return entries.map(([id, fields]) => ({ id, record: decodeSpoolEntry(fields), fields }));
  }

  /** Copies unreadable entries, whole and with their spool id, to the dead-letter stream. */
  async park(entries: readonly RedisSpoolEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const pipeline = this.redis.multi();
    for (const entry of entries) pipeline.xadd(REDIS_KEYS.auditSpoolDead, '*', 'id', entry.id, ...entry.fields);
    const results = await pipeline.exec();
    const failed = results?.find(([error]) => error);
    if (!results || failed) throw failed?.[0] ?? new Error('parking spool entries failed');
  }

  async remove(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.redis.xdel(REDIS_KEYS.auditSpool, ...ids);
  }

  async length(): Promise<number> {
    return this.redis.xlen(REDIS_KEYS.auditSpool);
  }

  /** Entries waiting in the dead stream for a person: any at all is alarmed. */
  async deadLength(): Promise<number> {
    return this.redis.xlen(REDIS_KEYS.auditSpoolDead);
  }
}
