import type { UtcDay } from './ports.js';

const DAY_MS = 86_400_000;

/** The UTC day of an instant. */
export function utcDayOf(at: Date): UtcDay {
  return at.toISOString().slice(0, 10);
}

/** `day` shifted by `days` (negative goes back). */
export function addDays(day: UtcDay, days: number): UtcDay {
  return utcDayOf(new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS));
}
