import { Decimal } from '../../domain/decimal.js';
import type { Mark } from '../../domain/market/events.js';
import type { MarkSnapshot } from '../../domain/risk/state.js';

/**
 * The one codec of the mark hash at `REDIS_KEYS.mark(symbol)`: every writer (the ingester,
 * local mode's generator, tests) encodes through it and every reader (the risk API, the
 * reference-price job) decodes through it, so the field layout exists once.
 *
 * All fields are strings in Redis (see {@link Mark}).
 */
export const MARK_FIELDS = {
  symbol: 'symbol',
  bid: 'bid',
  ask: 'ask',
  mid: 'mid',
  spreadBps: 'spread_bps',
  last: 'last',
  exchangeTsMs: 'exchange_ts_ms',
  receiveTsMs: 'receive_ts_ms',
  status: 'status',
  verifiedTsMs: 'verified_ts_ms',
} as const satisfies Record<string, keyof Mark>;

/** The whole hash of a fresh mark; it counts as verified when it was received. */
export function encodeMark(mark: Mark): Record<string, string> {
  return {
    [MARK_FIELDS.symbol]: mark.symbol,
    [MARK_FIELDS.bid]: mark.bid,
    [MARK_FIELDS.ask]: mark.ask,
    [MARK_FIELDS.mid]: mark.mid,
    [MARK_FIELDS.spreadBps]: mark.spread_bps,
    [MARK_FIELDS.last]: mark.last,
    [MARK_FIELDS.exchangeTsMs]: mark.exchange_ts_ms,
    [MARK_FIELDS.receiveTsMs]: mark.receive_ts_ms,
    [MARK_FIELDS.status]: mark.status,
    [MARK_FIELDS.verifiedTsMs]: mark.verified_ts_ms ?? mark.receive_ts_ms,
  };
}

/** The partial update that marks a symbol's quote stale (after a disconnect or a bad checksum). */
export function encodeMarkStale(): Record<string, string> {
  return { [MARK_FIELDS.status]: 'stale' };
}

/** The partial update that proves an unchanged quote still current at `verifiedMs`. */
export function encodeMarkVerified(verifiedMs: number): Record<string, string> {
  return { [MARK_FIELDS.verifiedTsMs]: String(verifiedMs) };
}

function decimalOrNull(text: string | undefined): Decimal | null {
  return text ? (Decimal.tryParse(text) ?? null) : null;
}

function intOrNull(text: string | undefined): number | null {
  if (!text) return null;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : null;
}

/** Decodes a mark hash (as HGETALL returns it). A mark with any unreadable field is no mark at all: the rules then reject. */
export function decodeMark(fields: Record<string, string>): MarkSnapshot | null {
  const bid = decimalOrNull(fields[MARK_FIELDS.bid]);
  const ask = decimalOrNull(fields[MARK_FIELDS.ask]);
  const mid = decimalOrNull(fields[MARK_FIELDS.mid]);
  const spreadBps = decimalOrNull(fields[MARK_FIELDS.spreadBps]);
  const receiveTsMs = intOrNull(fields[MARK_FIELDS.receiveTsMs]);
  if (!bid || !ask || !mid || !spreadBps || receiveTsMs === null) return null;
  return {
    bid,
    ask,
    mid,
    spreadBps,
    receiveTsMs,
    verifiedTsMs: intOrNull(fields[MARK_FIELDS.verifiedTsMs]) ?? undefined,
    exchangeTsMs: intOrNull(fields[MARK_FIELDS.exchangeTsMs]),
    live: fields[MARK_FIELDS.status] === 'live',
  };
}
