/**
 * Remembers the last `capacity` event ids, so an event repeated by a reconnect snapshot or a
 * repeated frame is published once. Bounded: the consumer deduplicates too (by the same id),
 * this only keeps the stream from filling with repeats.
 */
export class DedupWindow {
  private readonly seen = new Set<string>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be >= 1');
  }

  /** True the first time `id` is offered (it is then remembered); false for a repeat. */
  firstSeen(id: string): boolean {
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    if (this.seen.size > this.capacity) this.seen.delete(this.seen.values().next().value as string);
    return true;
  }

  /** Forgets `id` (its publication failed for good, so a redelivery must pass). */
  forget(id: string): void {
    this.seen.delete(id);
  }

  get size(): number {
    return this.seen.size;
  }
}
