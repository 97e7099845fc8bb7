import type { Redis } from 'ioredis';
import type { ReservationRecord } from '../../domain/risk/exposure.js';
import { REDIS_KEYS } from '../../names.js';
import { decodeReservation } from './account-book-hash.js';

/**
 * The one codec of an entry of the reservation events stream at
 * `REDIS_KEYS.reservationEvents` (issue #12): what happened to a pending reservation that
 * the audit must keep. The risk API's commit script appends an `expired` entry for every
 * reservation it finds past its expiry (in the same atomic step that removes it); the audit
 * drainer copies entries into `reservation_events` through {@link RedisReservationEvents}.
 */
export const RESERVATION_EVENT_FIELDS = {
  kind: 'kind',
  atMs: 'at_ms',
  /** The reservation as the account book held it (JSON {@link ReservationRecord}). */
  reservation: 'reservation',
} as const;

export const RESERVATION_EVENT_KINDS = ['expired'] as const;
export type ReservationEventKind = (typeof RESERVATION_EVENT_KINDS)[number];

export interface ReservationEvent {
  readonly kind: ReservationEventKind;
  /** When the gate saw it happen (epoch ms). */
  readonly atMs: number;
  readonly reservation: ReservationRecord;
}

/**
 * The XADD field list of an `expired` entry as Lua source, for a script that holds the
 * reservation's JSON in `reservationJson` and the time in `atMs` (both Lua expressions).
 */
export function expiredEventLuaFields(atMs: string, reservationJson: string): string {
  const F = RESERVATION_EVENT_FIELDS;
  return `'${F.kind}', 'expired', '${F.atMs}', ${atMs}, '${F.reservation}', ${reservationJson}`;
}

export function encodeReservationEvent(event: ReservationEvent): string[] {
  return [
    RESERVATION_EVENT_FIELDS.kind,
    event.kind,
    RESERVATION_EVENT_FIELDS.atMs,
    String(event.atMs),
    RESERVATION_EVENT_FIELDS.reservation,
    JSON.stringify(event.reservation),
  ];
}

/** An entry's event (fields as XRANGE returns them), or null when unreadable. */
export function decodeReservationEvent(fields: readonly string[]): ReservationEvent | null {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i] as string, fields[i + 1] as string);
  const kind = map.get(RESERVATION_EVENT_FIELDS.kind);
  const atMs = Number(map.get(RESERVATION_EVENT_FIELDS.atMs));
  const json = map.get(RESERVATION_EVENT_FIELDS.reservation);
  if (!RESERVATION_EVENT_KINDS.includes(kind as ReservationEventKind) || !Number.isSafeInteger(atMs) || !json) {
    return null;
  }
  // Read through the account book codec: the value is exactly what the book held.
  if (!decodeReservation(json)) return null;
  return { kind: kind as ReservationEventKind, atMs, reservation: JSON.parse(json) as ReservationRecord };
}

export interface RedisReservationEventEntry {
  readonly id: string;
  readonly event: ReservationEvent | null;
  readonly fields: readonly string[];
}

/** The audit drainer's view of the stream. An entry leaves only through {@link remove}, after PostgreSQL committed it. */
export class RedisReservationEvents {
  constructor(private readonly redis: Redis) {}

  async read(count: number): Promise<RedisReservationEventEntry[]> {
    const entries = await this.redis.xrange(REDIS_KEYS.reservationEvents, '-', '+', 'COUNT', count);
    return entries.map(([id, fields]) => ({ id, event: decodeReservationEvent(fields), fields }));
  }

  /** Unreadable entries go to the audit dead-letter stream, whole, like unreadable decisions. */
  async park(entries: readonly RedisReservationEventEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const pipeline = this.redis.multi();
    for (const entry of entries) {
      pipeline.xadd(
        REDIS_KEYS.auditSpoolDead,
        '*',
        'id',
        entry.id,
        'stream',
        REDIS_KEYS.reservationEvents,
        ...entry.fields,
      );
    }
    const results = await pipeline.exec();
    const failed = results?.find(([error]) => error);
    if (!results || failed) throw failed?.[0] ?? new Error('parking reservation events failed');
  }

  async remove(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.redis.xdel(REDIS_KEYS.reservationEvents, ...ids);
  }

  async length(): Promise<number> {
    return this.redis.xlen(REDIS_KEYS.reservationEvents);
  }
}
