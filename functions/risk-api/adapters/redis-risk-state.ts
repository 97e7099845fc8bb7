import type { Redis } from 'ioredis';
import {
  ACCOUNT_BOOK_CAS_LUA_FUNCTION,
  ACCOUNT_BOOK_FIELDS,
  decodeAccountBook,
  decodeReservation,
  encodeAccountBookOps,
  encodeReservationRecord,
  reservationField,
} from '../../../shared/adapters/redis/account-book-hash.js';
import { accountFeedUsable, decodeAccountFeed } from '../../../shared/adapters/redis/account-feed-hash.js';
import { encodeSpoolEntry } from '../../../shared/adapters/redis/audit-spool.js';
import { decodeBalances } from '../../../shared/adapters/redis/balances-hash.js';
import { decodeBreaker } from '../../../shared/adapters/redis/breaker-hash.js';
import { decodeInstrument } from '../../../shared/adapters/redis/instruments-hash.js';
import { decodeMark, MARK_FIELDS } from '../../../shared/adapters/redis/mark-hash.js';
import { decodeStoredDecision, encodeStoredDecision } from '../../../shared/adapters/redis/order-decision.js';
import { decodeReferencePrice } from '../../../shared/adapters/redis/reference-price-hash.js';
import { expiredEventLuaFields } from '../../../shared/adapters/redis/reservation-events.js';
import { STATE_EPOCH_FIELDS } from '../../../shared/adapters/redis/state-epoch.js';
import { Decimal } from '../../../shared/domain/decimal.js';
import { StateUnavailableError } from '../../../shared/domain/errors.js';
import { openOrderFor, openOrdersOf } from '../../../shared/domain/executions/working-orders.js';
import { tradingDay } from '../../../shared/domain/positions/positions.js';
import type { Reservation } from '../../../shared/domain/risk/exposure.js';
import type { ExposureSnapshot } from '../../../shared/domain/risk/exposure-view.js';
import type {
  BookMoved,
  CommitOptions,
  DecisionRecord,
  LoadedState,
  LoadQuery,
  RiskStateStore,
  StoredDecision,
} from '../../../shared/domain/risk/ports.js';
import type { EngagedKillSwitch, RiskState } from '../../../shared/domain/risk/state.js';
import { StateEpochMissingError } from '../../../shared/domain/state-epoch.js';
import { REDIS_KEYS } from '../../../shared/names.js';

/**
 * Reads everything a decision needs in ONE round trip: a Lua script gathers the mark,
 * reference, breaker, the three kill-switch scopes, universe, instrument, positions with
 * the mid of every held symbol, daily counters and any decision already stored under the
 * order id, and counts this validation in the account's sliding throttle window, atomically.
 * Key names come from REDIS_KEYS (passed in), so the script holds no second copy of them.
 *
 * ElastiCache runs with cluster mode disabled, so the script may read the marks of held
 * symbols that are not declared as KEYS.
 */
const LOAD_SCRIPT = `
-- No state epoch (KEYS[13], field ARGV[6]): the cache was not rebuilt, nothing in it can be
-- trusted (see shared/domain/state-epoch.ts). Checked first, so it counts nothing either.
if not redis.call('HGET', KEYS[13], ARGV[6]) then return false end
local out = {}
out[1] = redis.call('HGETALL', KEYS[1])
out[2] = redis.call('HGETALL', KEYS[2])
out[3] = redis.call('HGETALL', KEYS[3])
out[4] = redis.call('HGETALL', KEYS[4])
out[5] = redis.call('HGETALL', KEYS[5])
out[6] = redis.call('HGETALL', KEYS[6])
out[7] = redis.call('SCARD', KEYS[7])
out[8] = redis.call('SISMEMBER', KEYS[7], ARGV[1])
out[9] = redis.call('HGET', KEYS[8], ARGV[1])
local positions = redis.call('HGETALL', KEYS[9])
out[10] = positions
-- Issue #12: the account's book (KEYS[14]), balances (KEYS[15]) and private-feed status (KEYS[16]).
local book = redis.call('HGETALL', KEYS[14])
out[15] = book
out[16] = redis.call('HGETALL', KEYS[15])
out[17] = redis.call('HGETALL', KEYS[16])
-- The mid of every symbol held or with an open order: exposure nobody can value fails closed.
local mids = {}
local seen = {}
local function mid_of(symbol)
  if seen[symbol] then return end
  seen[symbol] = true
  mids[#mids + 1] = symbol
  mids[#mids + 1] = redis.call('HGET', ARGV[2] .. symbol, 'mid') or ''
end
for i = 1, #positions, 2 do mid_of(positions[i]) end
for i = 1, #book, 2 do
  local prefix = string.sub(book[i], 1, 2)
  if prefix == ARGV[7] or prefix == ARGV[8] then
    local ok, entry = pcall(cjson.decode, book[i + 1])
    if ok and type(entry) == 'table' and type(entry.symbol) == 'string' then mid_of(entry.symbol) end
  end
end
out[11] = mids
out[12] = redis.call('HGETALL', KEYS[10])
local previous = redis.call('GET', KEYS[11])
out[13] = previous
if previous then
  out[14] = 0
else
  local now = tonumber(ARGV[3])
  redis.call('ZREMRANGEBYSCORE', KEYS[12], '-inf', now - tonumber(ARGV[4]))
  redis.call('ZADD', KEYS[12], now, ARGV[5])
  redis.call('PEXPIRE', KEYS[12], ARGV[4])
  out[14] = redis.call('ZCARD', KEYS[12])
end
return out
`;

/**
 * One atomic step per decision (issue #12). In order:
 * 1. an accept names the book version it was decided on (ARGV[3], -1 for none): a book that
 *    moved since writes nothing and answers {'moved', version}, and the decision is re-made;
 * 2. first writer of the idempotency id wins (else {'duplicate', stored});
 * 3. the audit spool entry (ARGV[6..5+n], as the audit spool codec encodes it);
 * 4. pending reservations past their expiry leave the book, each audited on the
 *    reservation events stream (KEYS[4]) and returned, so the caller counts them;
 * 5. the accept's reservation (book operations from ARGV[6+n], account book codec) and one
 *    version bump, through the book's compare-and-set function.
 * Answers {'ok', expired reservation JSON...}.
 */
const COMMIT_SCRIPT = `
${ACCOUNT_BOOK_CAS_LUA_FUNCTION}
local book = KEYS[3]
local expected = tonumber(ARGV[3])
if expected >= 0 then
  local current = tonumber(redis.call('HGET', book, '${ACCOUNT_BOOK_FIELDS.version}') or '0')
  if current ~= expected then return {'moved', tostring(current)} end
end
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {'duplicate', redis.call('GET', KEYS[1])}
end
local n = tonumber(ARGV[5])
redis.call('XADD', KEYS[2], '*', unpack(ARGV, 6, 5 + n))
local now = tonumber(ARGV[4])
local out = {'ok'}
local fields = redis.call('HGETALL', book)
for i = 1, #fields, 2 do
  if string.sub(fields[i], 1, 2) == '${ACCOUNT_BOOK_FIELDS.reservationPrefix}' then
    local ok, r = pcall(cjson.decode, fields[i + 1])
    local expires = ok and type(r) == 'table' and tonumber(r.expires_at_ms)
    if expires and expires <= now then
      redis.call('HDEL', book, fields[i])
      redis.call('XADD', KEYS[4], '*', ${expiredEventLuaFields('ARGV[4]', 'fields[i + 1]')})
      out[#out + 1] = fields[i + 1]
    end
  end
end
if #out > 1 or 6 + n <= #ARGV then book_cas(book, -1, 6 + n) end
return out
`;

/** What `GET /v1/risk/accounts/{id}/exposure` measures from, with the book's version. */
export interface VersionedExposureSnapshot extends ExposureSnapshot {
  readonly bookVersion: number;
}

type RedisWithScripts = Redis & {
  riskLoad(...args: (string | number)[]): Promise<unknown[] | null>;
  riskCommit(...args: (string | number)[]): Promise<unknown[]>;
};

export interface RedisRiskStateOptions {
  /**
   * Replicas that must acknowledge a commit before the answer leaves (Redis WAIT), so a
   * primary failover cannot lose a decision. 0 locally (no replicas). @default 0
   */
  readonly minReplicaAcks?: number;
  /** How long WAIT may block. @default 10 */
  readonly replicaAckTimeoutMs?: number;
  /**
   * Start of the trading day in minutes past midnight UTC (TRADING_DAY_BOUNDARY_UTC). Daily
   * counters count only when their date is the trading day of `nowMs` under this boundary,
   * the one the positions consumer labels them with. @default 0
   */
  readonly tradingDayBoundaryMinutes?: number;
  /** Told when a load found no state epoch (the decision is rejected): metric StateEpochMissing. */
  readonly onStateEpochMissing?: () => void;
  /**
   * Whether an account's private Kraken feed must be live for its orders to pass
   * (ACCOUNT_FEED_REQUIRED; staging and prod: true), and how recent its writer must be.
   * @default not required
   */
  readonly accountFeed?: { readonly required: boolean; readonly maxAgeMs: number };
  /** Told about reservations a commit found expired and removed (metric ReservationsExpired). */
  readonly onReservationsExpired?: (expired: readonly Reservation[]) => void;
  /** Told when fewer replicas than configured acknowledged a commit (metric ReplicaAckShortfalls). */
  readonly onReplicaAckShortfall?: (acknowledged: number, wanted: number) => void;
  /**
   * Where a decision's audit record goes straight away when fewer replicas than configured
   * acknowledged its commit (the audit table): the spool entry on the primary alone could be
   * lost by a failover, the audit row must not be. The drainer's later copy is a no-op.
   */
  readonly durableAudit?: { insert(records: readonly DecisionRecord[]): Promise<unknown> };
  /** Told when that direct audit write failed too (the decision stands: it is already committed). */
  readonly onDurableAuditFailed?: (decisionId: string, error: unknown) => void;
}

export class RedisRiskStateStore implements RiskStateStore {
  private readonly redis: RedisWithScripts;

  constructor(
    redis: Redis,
    private readonly options: RedisRiskStateOptions = {},
  ) {
    redis.defineCommand('riskLoad', { numberOfKeys: 16, lua: LOAD_SCRIPT });
    redis.defineCommand('riskCommit', { numberOfKeys: 4, lua: COMMIT_SCRIPT });
    this.redis = redis as RedisWithScripts;
  }

  async load(query: LoadQuery): Promise<LoadedState> {
    const { accountId, symbol } = query;
    let reply: unknown[] | null;
    try {
      reply = await this.redis.riskLoad(
        REDIS_KEYS.mark(symbol),
        REDIS_KEYS.referencePrice(symbol),
        REDIS_KEYS.breaker(symbol),
        REDIS_KEYS.killSwitchGlobal,
        REDIS_KEYS.killSwitchAccount(accountId),
        REDIS_KEYS.killSwitchSymbol(symbol),
        REDIS_KEYS.universe,
        REDIS_KEYS.instruments,
        REDIS_KEYS.positions(accountId),
        REDIS_KEYS.dailyCounters(accountId),
        REDIS_KEYS.orderId(accountId, query.orderId),
        REDIS_KEYS.orderRate(accountId),
        REDIS_KEYS.stateEpoch,
        REDIS_KEYS.accountBook(accountId),
        REDIS_KEYS.balances(accountId),
        REDIS_KEYS.accountFeed(accountId),
        symbol,
        REDIS_KEYS.mark(''),
        query.nowMs,
        query.rateWindowMs,
        query.rateMember,
        STATE_EPOCH_FIELDS.generation,
        ACCOUNT_BOOK_FIELDS.reservationPrefix,
        ACCOUNT_BOOK_FIELDS.orderPrefix,
      );
    } catch (error) {
      throw new StateUnavailableError('redis', { cause: error });
    }
    if (reply === null) {
      this.options.onStateEpochMissing?.();
      throw new StateEpochMissingError();
    }
    return parseLoadReply(reply, query, this.options);
  }

  /**
   * The decision's atomic step, then (when replicas are required) WAIT on the same connection,
   * pipelined behind it: never inside MULTI, where WAIT does not block and answers for the
   * connection's previous write.
   *
   * Replica shortfall: the answer is what the script stored, never re-decided. The decision,
   * its idempotency record, its reservation and its audit entry were written together on the
   * primary before WAIT ran; turning the answer into a REJECT would leave an ACCEPT under the
   * order id (a replay, or a failover that kept the write, would then contradict the answer),
   * and a correcting write could itself be lost the same way. So the answer agrees with Redis
   * by construction, and the shortfall is alarmed (ReplicaAckShortfalls). What a failover in
   * that window could lose is the spool entry, so the decision's audit row is written straight
   * to the audit table before the answer leaves ({@link RedisRiskStateOptions.durableAudit}).
   */
  async commit(
    record: DecisionRecord,
    idempotencyTtlMs: number,
    options: CommitOptions = {},
  ): Promise<StoredDecision | BookMoved | null> {
    const stored = encodeStoredDecision({ requestHash: record.requestHash, response: record.response });
    const keys = [
      REDIS_KEYS.orderId(record.accountId, options.idempotencyId ?? record.orderId),
      REDIS_KEYS.auditSpool,
      REDIS_KEYS.accountBook(record.accountId),
      REDIS_KEYS.reservationEvents,
    ];
    const entry = encodeSpoolEntry(record);
    // Only an accept writes to the book, so only an accept needs the book it was decided on.
    const expected = record.reservation && options.bookVersion !== undefined ? options.bookVersion : -1;
    const ops = record.reservation
      ? encodeAccountBookOps([
          {
            op: 'set',
            field: reservationField(record.reservation.order_id),
            value: encodeReservationRecord(record.reservation),
          },
        ])
      : [];
    const args = [
      ...keys,
      stored,
      idempotencyTtlMs,
      expected,
      Date.parse(record.decidedAt),
      entry.length,
      ...entry,
      ...ops,
    ];
    let reply: unknown[];
    let shortfall = false;
    try {
      const minAcks = this.options.minReplicaAcks ?? 0;
      if (minAcks === 0) {
        reply = (await this.redis.riskCommit(...args)) as unknown as unknown[];
      } else {
        const results = await this.redis
          .pipeline()
          .riskCommit(...args)
          .wait(minAcks, this.options.replicaAckTimeoutMs ?? 10)
          .exec();
        const [commitResult, waitResult] = results ?? [];
        if (!commitResult || commitResult[0]) throw commitResult?.[0] ?? new Error('commit failed');
        reply = commitResult[1] as unknown[];
        const acknowledged = waitResult && !waitResult[0] ? Number(waitResult[1]) : 0;
        shortfall = acknowledged < minAcks;
        if (shortfall) this.options.onReplicaAckShortfall?.(acknowledged, minAcks);
      }
    } catch (error) {
      throw new StateUnavailableError('redis', { cause: error });
    }
    const outcome = this.commitOutcome(reply);
    // Committed by this call (not a duplicate, not a moved book) but held by the primary alone.
    if (shortfall && outcome === null) await this.auditDurably(record);
    return outcome;
  }

  private async auditDurably(record: DecisionRecord): Promise<void> {
    try {
      await this.options.durableAudit?.insert([record]);
    } catch (error) {
      this.options.onDurableAuditFailed?.(record.decisionId, error);
    }
  }

  private commitOutcome(reply: unknown[]): StoredDecision | BookMoved | null {
    const [status, ...rest] = reply.map(String);
    if (status === 'moved') return { bookMoved: true, currentVersion: Number(rest[0]) };
    if (status === 'duplicate') return parseStored(rest[0] ?? '');
    if (rest.length > 0) {
      const expired = rest.map(decodeReservation).filter((r): r is Reservation => r !== null);
      this.options.onReservationsExpired?.(expired);
    }
    return null;
  }

  /**
   * An account's exposure as it stands: positions, its book and the mid of every symbol in
   * either (two round trips; a read that decides nothing, for `GET .../exposure`).
   */
  async loadExposure(accountId: string, nowMs: number): Promise<VersionedExposureSnapshot> {
    try {
      const [positionFields, bookFields] = await Promise.all([
        this.redis.hgetall(REDIS_KEYS.positions(accountId)),
        this.redis.hgetall(REDIS_KEYS.accountBook(accountId)),
      ]);
      const positions = parsePositions(positionFields);
      const decoded = decodeAccountBook(accountId, bookFields);
      if (decoded.unreadable.length > 0) {
        throw new StateUnavailableError(`account book unreadable: ${decoded.unreadable.join(', ')}`);
      }
      const openOrders = openOrdersOf(decoded.book, nowMs);
      const symbols = [...new Set([...positions.keys(), ...openOrders.keys()])];
      const mids = symbols.length
        ? await this.redis.pipeline(symbols.map((s) => ['hget', REDIS_KEYS.mark(s), MARK_FIELDS.mid])).exec()
        : [];
      const marks = new Map<string, Decimal>();
      symbols.forEach((symbol, i) => {
        const mid = mids?.[i]?.[1];
        const value = typeof mid === 'string' ? Decimal.tryParse(mid) : undefined;
        if (value) marks.set(symbol, value);
      });
      return { positions, openOrders, marks, bookVersion: decoded.version };
    } catch (error) {
      if (error instanceof StateUnavailableError) throw error;
      throw new StateUnavailableError('redis', { cause: error });
    }
  }

  async appendAudit(record: DecisionRecord): Promise<void> {
    try {
      await this.redis.xadd(REDIS_KEYS.auditSpool, '*', ...encodeSpoolEntry(record));
    } catch (error) {
      throw new StateUnavailableError('redis', { cause: error });
    }
  }
}

declare module 'ioredis' {
  interface ChainableCommander {
    riskCommit(...args: (string | number)[]): ChainableCommander;
  }
}

function parsePositions(fields: Record<string, string>): Map<string, Decimal> {
  const positions = new Map<string, Decimal>();
  for (const [symbol, qty] of Object.entries(fields)) {
    // An unreadable position must not vanish from the exposure: fail closed.
    const value = Decimal.tryParse(qty);
    if (!value) throw new StateUnavailableError(`position ${symbol} unreadable`);
    positions.set(symbol, value);
  }
  return positions;
}

/** The decision stored under an order id; unreadable fails closed like any unreadable state. */
function parseStored(text: string): StoredDecision {
  const stored = decodeStoredDecision(text);
  if (!stored) throw new StateUnavailableError('stored decision unreadable');
  return { requestHash: stored.requestHash, response: stored.response as StoredDecision['response'] };
}

function hash(flat: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(flat)) return out;
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = String(flat[i + 1]);
  return out;
}

function decimalOrNull(text: string | undefined): Decimal | null {
  return text ? (Decimal.tryParse(text) ?? null) : null;
}

function parseKill(scope: EngagedKillSwitch['scope'], fields: Record<string, string>): EngagedKillSwitch | null {
  if (fields.engaged !== '1') return null;
  return { scope, reason: fields.reason ?? 'unspecified', allowReduceOnly: fields.allow_reduce_only === '1' };
}

/** A missing counter is zero; an unreadable one fails closed rather than reading as zero. */
function counter(text: string | undefined, what: string): Decimal {
  if (text === undefined || text === '') return Decimal.ZERO;
  const value = Decimal.tryParse(text);
  if (!value) throw new StateUnavailableError(`${what} unreadable`);
  return value;
}

function parseLoadReply(reply: unknown[], query: LoadQuery, options: RedisRiskStateOptions): LoadedState {
  const boundaryMinutes = options.tradingDayBoundaryMinutes ?? 0;
  const mark = decodeMark(hash(reply[0]));
  const reference = decodeReferencePrice(hash(reply[1]));
  const breaker = decodeBreaker(hash(reply[2]));
  const killSwitches = [
    parseKill('global', hash(reply[3])),
    parseKill('account', hash(reply[4])),
    parseKill('symbol', hash(reply[5])),
  ].filter((k): k is EngagedKillSwitch => k !== null);
  const universeSize = Number(reply[6]);
  const inUniverse = Number(reply[7]) === 1;

  const positions = parsePositions(hash(reply[9]));
  // Open orders that cannot be read are not zero exposure, nor are balances: fail closed.
  const decodedBook = decodeAccountBook(query.accountId, hash(reply[14]));
  if (decodedBook.unreadable.length > 0) {
    throw new StateUnavailableError(`account book unreadable: ${decodedBook.unreadable.join(', ')}`);
  }
  const decodedBalances = decodeBalances(hash(reply[15]));
  if (decodedBalances.unreadable.length > 0) {
    throw new StateUnavailableError(`balances unreadable: ${decodedBalances.unreadable.join(', ')}`);
  }
  const feed = options.accountFeed;
  const marks = new Map<string, Decimal>();
  for (const [symbol, mid] of Object.entries(hash(reply[10]))) {
    const value = decimalOrNull(mid);
    if (value) marks.set(symbol, value);
  }
  if (mark) marks.set(query.symbol, mark.mid);

  const daily = hash(reply[11]);
  // Counters of an earlier trading day have been reset. A date after today (clocks apart at
  // the boundary) still counts: a loss counted early is safer than a loss ignored.
  const today = daily.date !== undefined && daily.date >= tradingDay(query.nowMs, boundaryMinutes);

  const state: RiskState = {
    instrument: decodeInstrument(query.symbol, reply[8]),
    mark,
    reference,
    breaker: breaker.tripped ? { reason: breaker.reason ?? 'tripped' } : null,
    killSwitches,
    // The universe is a set of one name when answered from Redis: membership is all we need.
    universe: universeSize === 0 ? null : new Set(inUniverse ? [query.symbol] : []),
    positions,
    marks,
    dailyRealisedPnl: today ? counter(daily.realised_pnl, 'daily realised pnl') : Decimal.ZERO,
    dailyFees: today ? counter(daily.fees, 'daily fees') : Decimal.ZERO,
    ordersInWindow: Number(reply[13] ?? 0),
    openOrders: openOrdersOf(decodedBook.book, query.nowMs),
    ...(decodedBalances.balances ? { balances: decodedBalances.balances } : {}),
    ...(query.amendOf !== undefined ? { amendTarget: openOrderFor(decodedBook.book, query.amendOf, query.nowMs) } : {}),
    ...(feed?.required
      ? { accountFeedUsable: accountFeedUsable(decodeAccountFeed(hash(reply[16])), query.nowMs, feed.maxAgeMs) }
      : {}),
  };
  const previous = typeof reply[12] === 'string' ? parseStored(reply[12]) : null;
  return { state, previous, bookVersion: decodedBook.version };
}
