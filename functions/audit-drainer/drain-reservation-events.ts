import type { ReservationEvent } from '../../shared/adapters/redis/reservation-events.js';

/** One entry of the reservation events stream: its event, or null when unreadable. */
export interface ReservationEventEntry {
  readonly id: string;
  readonly event: ReservationEvent | null;
}

export interface ReservationEventsPorts<E extends ReservationEventEntry = ReservationEventEntry> {
  readonly stream: {
    read(count: number): Promise<readonly E[]>;
    park(entries: readonly E[]): Promise<void>;
    remove(ids: readonly string[]): Promise<void>;
  };
  /** Inserting an event already present must change nothing. */
  readonly table: { insert(events: readonly ReservationEvent[]): Promise<void> };
}

/**
 * Copies reservation events (expiries the risk API audited) from their Redis stream into
 * PostgreSQL, the same way decisions leave the audit spool: an entry is deleted only after
 * the insert committed; an unreadable one is parked whole, never dropped. Returns events moved.
 */
export async function moveReservationEvents<E extends ReservationEventEntry>(
  ports: ReservationEventsPorts<E>,
  settings: { readonly batchSize: number; readonly maxBatches: number },
): Promise<{ moved: number; parked: number }> {
  let moved = 0;
  let parked = 0;
  for (let batch = 0; batch < settings.maxBatches; batch++) {
    const entries = await ports.stream.read(settings.batchSize);
    if (entries.length === 0) break;
    const unreadable = entries.filter((e) => e.event === null);
    if (unreadable.length > 0) {
      await ports.stream.park(unreadable);
      await ports.stream.remove(unreadable.map((e) => e.id));
      parked += unreadable.length;
    }
    const readable = entries.filter((e) => e.event !== null);
    await ports.table.insert(readable.map((e) => e.event).filter((e): e is ReservationEvent => e !== null));
    await ports.stream.remove(readable.map((e) => e.id));
    moved += readable.length;
    if (entries.length < settings.batchSize) break;
  }
  return { moved, parked };
}
