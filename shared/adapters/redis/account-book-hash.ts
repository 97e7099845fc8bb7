import type { Redis } from 'ioredis';
import { Decimal } from '../../domain/decimal.js';
import { type KrakenOrderType, krakenOrderTypeSchema } from '../../domain/executions/events.js';
import type { AccountBook, WorkingOrder } from '../../domain/executions/working-orders.js';
import { orderTypeSchema, sideSchema } from '../../domain/order.js';
import {
  type Reservation,
  type ReservationRecord,
  reservationFromRecord,
  reservationToRecord,
} from '../../domain/risk/exposure.js';

/**
 * The one codec of an account's book hash at `REDIS_KEYS.accountBook(accountId)` (issue #12):
 *
 *   `r:<order_id>`        -> JSON {@link ReservationRecord}: a pending reservation (an amend's
 *                            under `<order_id>#amend`), written by the risk API's accept;
 *   `o:<kraken_order_id>` -> JSON {@link WorkingOrderRecord}: a working order, or the tombstone
 *                            of a closed one until pruned, written by the positions consumer;
 *   `~v`                  -> the book's version, an integer every write increments.
 *
 * Every writer goes through {@link ACCOUNT_BOOK_CAS_LUA} (or embeds
 * {@link ACCOUNT_BOOK_CAS_LUA_FUNCTION} in its own atomic script): it names the version it
 * read and the write lands only if nobody wrote since. That is what lets the risk API decide
 * from a book and commit the decision without a lock: a moved version means decide again.
 *
 * The exactly-once sets (applied fills, seen events) live in PostgreSQL, not here: the
 * decoded book's `appliedFills` and `seenEvents` are always empty.
 */
export const ACCOUNT_BOOK_FIELDS = {
  reservationPrefix: 'r:',
  orderPrefix: 'o:',
  version: '~v',
} as const;

export function reservationField(orderId: string): string {
  return `${ACCOUNT_BOOK_FIELDS.reservationPrefix}${orderId}`;
}

export function workingOrderField(krakenOrderId: string): string {
  return `${ACCOUNT_BOOK_FIELDS.orderPrefix}${krakenOrderId}`;
}

/** A working order as the hash keeps it: decimal strings, epoch ms, null when absent. */
export interface WorkingOrderRecord {
  readonly kraken_order_id: string;
  readonly cl_ord_id: string | null;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly type: KrakenOrderType;
  readonly order_qty: string;
  readonly cum_qty: string;
  readonly filled_qty: string;
  readonly limit_price?: string;
  readonly trigger_price?: string;
  readonly reduce_only: boolean;
  readonly closed_at_ms: number | null;
}

export function encodeReservation(reservation: Reservation): string {
  return JSON.stringify(reservationToRecord(reservation));
}

/** The hash value of a reservation already in its record shape (a decision record's `reservation`). */
export function encodeReservationRecord(record: ReservationRecord): string {
  return JSON.stringify(record);
}

export function encodeWorkingOrder(order: WorkingOrder): string {
  const record: WorkingOrderRecord = {
    kraken_order_id: order.krakenOrderId,
    cl_ord_id: order.clOrdId,
    symbol: order.symbol,
    side: order.side,
    type: order.type,
    order_qty: order.orderQty.toString(),
    cum_qty: order.cumQty.toString(),
    filled_qty: order.filledQty.toString(),
    ...(order.limitPrice ? { limit_price: order.limitPrice.toString() } : {}),
    ...(order.triggerPrice ? { trigger_price: order.triggerPrice.toString() } : {}),
    reduce_only: order.reduceOnly,
    closed_at_ms: order.closedAtMs,
  };
  return JSON.stringify(record);
}

function objectOf(json: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(json);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

function decimalField(value: unknown): Decimal | null {
  return typeof value === 'string' ? (Decimal.tryParse(value) ?? null) : null;
}

/** Absent is fine (undefined); present but unreadable is not (null). */
function optionalDecimal(value: unknown): Decimal | undefined | null {
  if (value === undefined || value === null) return undefined;
  return decimalField(value);
}

function isEpochMs(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

/** A reservation from its hash value; null when any field is unreadable. */
export function decodeReservation(json: string): Reservation | null {
  const o = objectOf(json);
  if (!o) return null;
  const side = sideSchema.safeParse(o.side);
  const type = orderTypeSchema.safeParse(o.type);
  const limit = optionalDecimal(o.limit_price);
  const trigger = optionalDecimal(o.trigger_price);
  if (
    typeof o.account_id !== 'string' ||
    typeof o.order_id !== 'string' ||
    typeof o.decision_id !== 'string' ||
    typeof o.symbol !== 'string' ||
    !side.success ||
    !type.success ||
    !decimalField(o.qty) ||
    !decimalField(o.worst_price) ||
    limit === null ||
    trigger === null ||
    typeof o.reduce_only !== 'boolean' ||
    !isEpochMs(o.created_at_ms) ||
    !isEpochMs(o.expires_at_ms)
  ) {
    return null;
  }
  return reservationFromRecord(o as unknown as ReservationRecord);
}

/** A working order from its hash value; null when any field is unreadable. */
export function decodeWorkingOrder(json: string): WorkingOrder | null {
  const o = objectOf(json);
  if (!o) return null;
  const side = sideSchema.safeParse(o.side);
  const type = krakenOrderTypeSchema.safeParse(o.type);
  const orderQty = decimalField(o.order_qty);
  const cumQty = decimalField(o.cum_qty);
  const filledQty = decimalField(o.filled_qty);
  const limitPrice = optionalDecimal(o.limit_price);
  const triggerPrice = optionalDecimal(o.trigger_price);
  if (
    typeof o.kraken_order_id !== 'string' ||
    (o.cl_ord_id !== null && typeof o.cl_ord_id !== 'string') ||
    typeof o.symbol !== 'string' ||
    !side.success ||
    !type.success ||
    !orderQty ||
    !cumQty ||
    !filledQty ||
    limitPrice === null ||
    triggerPrice === null ||
    typeof o.reduce_only !== 'boolean' ||
    (o.closed_at_ms !== null && !isEpochMs(o.closed_at_ms))
  ) {
    return null;
  }
  return {
    krakenOrderId: o.kraken_order_id,
    clOrdId: o.cl_ord_id as string | null,
    symbol: o.symbol,
    side: side.data,
    type: type.data,
    orderQty,
    cumQty,
    filledQty,
    ...(limitPrice ? { limitPrice } : {}),
    ...(triggerPrice ? { triggerPrice } : {}),
    reduceOnly: o.reduce_only,
    closedAtMs: o.closed_at_ms as number | null,
  };
}

export interface DecodedAccountBook {
  /** Reservations and working orders; `appliedFills` and `seenEvents` are empty (PostgreSQL keeps them). */
  readonly book: AccountBook;
  /** The version to name in the next compare-and-set (0 for a book never written). */
  readonly version: number;
  /**
   * Fields whose value could not be read. Exposure that cannot be read is not zero: a reader
   * that decides on the book (the risk API) must fail closed when this is not empty.
   */
  readonly unreadable: readonly string[];
}

/** Decodes the hash as HGETALL returns it (a missing key is an empty, version-0 book). */
export function decodeAccountBook(accountId: string, fields: Record<string, string>): DecodedAccountBook {
  const reservations = new Map<string, Reservation>();
  const orders = new Map<string, WorkingOrder>();
  const unreadable: string[] = [];
  let version = 0;
  for (const [field, value] of Object.entries(fields)) {
    if (field === ACCOUNT_BOOK_FIELDS.version) {
      const parsed = Number(value);
      if (Number.isSafeInteger(parsed) && parsed >= 0) version = parsed;
      else unreadable.push(field);
    } else if (field.startsWith(ACCOUNT_BOOK_FIELDS.reservationPrefix)) {
      const reservation = decodeReservation(value);
      const id = field.slice(ACCOUNT_BOOK_FIELDS.reservationPrefix.length);
      if (reservation && reservation.orderId === id) reservations.set(id, reservation);
      else unreadable.push(field);
    } else if (field.startsWith(ACCOUNT_BOOK_FIELDS.orderPrefix)) {
      const order = decodeWorkingOrder(value);
      const id = field.slice(ACCOUNT_BOOK_FIELDS.orderPrefix.length);
      if (order && order.krakenOrderId === id) orders.set(id, order);
      else unreadable.push(field);
    } else {
      unreadable.push(field);
    }
  }
  return {
    book: { accountId, reservations, orders, appliedFills: new Set(), seenEvents: new Map() },
    version,
    unreadable,
  };
}

/** One write to the book: set a field to a value, or delete it. */
export type AccountBookOp =
  | { readonly op: 'set'; readonly field: string; readonly value: string }
  | { readonly op: 'del'; readonly field: string };

export const setReservationOp = (reservation: Reservation): AccountBookOp => ({
  op: 'set',
  field: reservationField(reservation.orderId),
  value: encodeReservation(reservation),
});

export const deleteReservationOp = (orderId: string): AccountBookOp => ({
  op: 'del',
  field: reservationField(orderId),
});

export const setWorkingOrderOp = (order: WorkingOrder): AccountBookOp => ({
  op: 'set',
  field: workingOrderField(order.krakenOrderId),
  value: encodeWorkingOrder(order),
});

export const deleteWorkingOrderOp = (krakenOrderId: string): AccountBookOp => ({
  op: 'del',
  field: workingOrderField(krakenOrderId),
});

/**
 * The operations as script arguments: `S field value` or `D field`, one after the other,
 * so a script reads them with {@link ACCOUNT_BOOK_CAS_LUA_FUNCTION}.
 */
export function encodeAccountBookOps(ops: readonly AccountBookOp[]): string[] {
  const args: string[] = [];
  for (const op of ops) {
    if (op.op === 'set') args.push('S', op.field, op.value);
    else args.push('D', op.field);
  }
  return args;
}

/**
 * The compare-and-set as a Lua function other atomic scripts embed (the risk API's commit
 * does, so its decision, reservation and audit land in one step). `book_cas(key, expected,
 * first)` applies the operations in ARGV[first..] when the version is still `expected`
 * (a number; -1 skips the check), bumps `~v` and returns {1, new version}; when the version
 * moved it writes nothing and returns {0, current version}.
 */
export const ACCOUNT_BOOK_CAS_LUA_FUNCTION = `
local function book_cas(key, expected, first)
  local current = tonumber(redis.call('HGET', key, '${ACCOUNT_BOOK_FIELDS.version}') or '0')
  if expected >= 0 and current ~= expected then return {0, current} end
  local i = first
  while i <= #ARGV do
    if ARGV[i] == 'S' then
      redis.call('HSET', key, ARGV[i + 1], ARGV[i + 2])
      i = i + 3
    elseif ARGV[i] == 'D' then
      redis.call('HDEL', key, ARGV[i + 1])
      i = i + 2
    else
      return redis.error_reply('account book: unknown operation ' .. tostring(ARGV[i]))
    end
  end
  return {1, redis.call('HINCRBY', key, '${ACCOUNT_BOOK_FIELDS.version}', 1)}
end
`;

/** The standalone compare-and-set: KEYS[1] the book, ARGV[1] the expected version, ARGV[2..] the operations. */
export const ACCOUNT_BOOK_CAS_LUA = `${ACCOUNT_BOOK_CAS_LUA_FUNCTION}
return book_cas(KEYS[1], tonumber(ARGV[1]), 2)
`;

export type AccountBookCasResult =
  | { readonly applied: true; readonly version: number }
  | { readonly applied: false; readonly currentVersion: number };

type RedisWithBookCas = Redis & { accountBookCas(key: string, ...args: string[]): Promise<[number, number]> };

/**
 * Writes `ops` to the book at `key` if its version is still `expectedVersion`. The caller
 * re-reads and re-applies on `applied: false`; nothing was written then.
 */
export async function compareAndSetAccountBook(
  redis: Redis,
  key: string,
  expectedVersion: number,
  ops: readonly AccountBookOp[],
): Promise<AccountBookCasResult> {
  if (!Number.isSafeInteger(expectedVersion) || expectedVersion < 0) {
    throw new Error(`expected version must be a non-negative integer, got ${expectedVersion}`);
  }
  const client = redis as RedisWithBookCas;
  if (typeof client.accountBookCas !== 'function') {
    redis.defineCommand('accountBookCas', { numberOfKeys: 1, lua: ACCOUNT_BOOK_CAS_LUA });
  }
  const [applied, version] = await client.accountBookCas(key, String(expectedVersion), ...encodeAccountBookOps(ops));
  return applied === 1
    ? { applied: true, version: Number(version) }
    : { applied: false, currentVersion: Number(version) };
}
