import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  ACCOUNT_BOOK_CAS_LUA_FUNCTION,
  ACCOUNT_BOOK_FIELDS,
  type DecodedAccountBook,
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
import { readExposure, type VersionedExposureSnapshot } from '../../../shared/adapters/redis/exposure-read.js';
import { decodeInstrument } from '../../../shared/adapters/redis/instruments-hash.js';
import { decodeMark } from '../../../shared/adapters/redis/mark-hash.js';
import { decodeStoredDecision, encodeStoredDecision } from '../../../shared/adapters/redis/order-decision.js';
import { decodePositions } from '../../../shared/adapters/redis/positions-hash.js';
import { decodeReferencePrice } from '../../../shared/adapters/redis/reference-price-hash.js';
import { expiredEventLuaFields } from '../../../shared/adapters/redis/reservation-events.js';
import { STATE_EPOCH_FIELDS } from '../../../shared/adapters/redis/state-epoch.js';
import { Decimal } from '../../../shared/domain/decimal.js';
import { StateUnavailableError } from '../../../shared/domain/errors.js';
import { openOrderFor, openOrdersOf } from '../../../shared/domain/executions/working-orders.js';
import { tradingDay } from '../../../shared/domain/positions/positions.js';
import type { Reservation } from '../../../shared/domain/risk/exposure.js';
import type {
  CommitOptions,
  DecisionRecord,
  LoadedState,
  LoadQuery,
  RiskStateStore,
  StateMoved,
  StoredDecision,
} from '../../../shared/domain/risk/ports.js';
import type { EngagedKillSwitch, RiskState } from '../../../shared/domain/risk/state.js';
import { StateEpochMissingError } from '../../../shared/domain/state-epoch.js';
import { REDIS_KEYS } from '../../../shared/names.js';

/**
 * The one atomic step of a decision (issue #12): ONE script, one round trip per decision.
 *
 * It reads everything a decision needs: the mark, reference, breaker, the three kill-switch
 * scopes, universe, instrument, positions with the mid of every symbol held or with an open
 * order, daily counters, the account's book, balances and private-feed status (the "state",
 * a table), and a SHA-1 digest of that table as returned. Before it, the state epoch (no
 * epoch: nothing in the cache can be trusted, answer false) and the decision already stored
 * under the order id (answered as {'stored', ...}, counted nowhere); then it counts the
 * validation in the account's sliding throttle window, once, at its first arrival (a later
 * trip of the same validation names the count its first trip answered, ARGV[9]).
 *
 * Read only (ARGV[10] empty): answers {'state', count, digest, state}.
 *
 * Commit (ARGV[10] the digest of the state the decision was made on): the decision is written
 * only if the state read now has that very digest and the throttle count is on the same side
 * of the limit (ARGV[11]) as the count the decision was evaluated with (ARGV[12], '1' over):
 * the decision is then exactly the one the rules give on this step's own read, as if they
 * ran inside it. Otherwise nothing is written and the answer is {'moved', count, digest,
 * state}, what the decision must be re-made on. On a match, in order: the decision under the
 * order id (ARGV[14], TTL ARGV[15]), its audit spool entry (ARGV[16..17+n]), the pending
 * reservations past their expiry out of the book (each audited on the reservation events
 * stream and returned) and the accept's reservation (book operations from ARGV[18+n]) with
 * one version bump, through the book's compare-and-set function; then it reads the state
 * again and answers {'ok', count, digest, state, expired}, the copy the next decision of
 * the account starts from (ARGV[13] 'changes': only {mids, book}, the parts it can change,
 * for a caller that holds the state the decision was made on).
 *
 * ElastiCache runs with cluster mode disabled, so the script may read the marks of held
 * symbols that are not declared as KEYS. Key names come from REDIS_KEYS (passed in).
 */
const DECIDE_SCRIPT = `
${ACCOUNT_BOOK_CAS_LUA_FUNCTION}
if not redis.call('HGET', KEYS[13], ARGV[6]) then return false end
-- The mid of every symbol held or with an open order: exposure nobody can value fails closed.
local function mids_of(positions, book)
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
  return mids
end
local function read_state()
  local s = {}
  for i = 1, 6 do s[i] = redis.call('HGETALL', KEYS[i]) end
  s[7] = redis.call('SCARD', KEYS[7])
  s[8] = redis.call('SISMEMBER', KEYS[7], ARGV[1])
  s[9] = redis.call('HGET', KEYS[8], ARGV[1])
  local positions = redis.call('HGETALL', KEYS[9])
  s[10] = positions
  local book = redis.call('HGETALL', KEYS[14])
  s[11] = mids_of(positions, book)
  s[12] = redis.call('HGETALL', KEYS[10])
  s[13] = book
  s[14] = redis.call('HGETALL', KEYS[15])
  s[15] = redis.call('HGETALL', KEYS[16])
  return s
end
local previous = redis.call('GET', KEYS[11])
if previous then return {'stored', 0, '', read_state(), previous} end
-- The throttle counts a validation once, where it first arrived: the trip that adds its
-- member counts the window there (every member past now - window, itself included, in
-- arrival order as the script runs one at a time); a later trip of the same validation takes
-- the count its first trip answered (ARGV[9], kept by the caller). Members stay two windows.
local now = tonumber(ARGV[3])
local window = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[12], '-inf', now - 2 * window)
local added = redis.call('ZADD', KEYS[12], 'NX', now, ARGV[5])
redis.call('PEXPIRE', KEYS[12], 2 * window)
local count
if added == 1 then
  count = redis.call('ZCOUNT', KEYS[12], '(' .. (now - window), '+inf')
elseif ARGV[9] ~= '' then
  count = tonumber(ARGV[9])
else
  -- First count lost by the caller: the window at first arrival, ties counted as earlier
  -- (never lower than the count that validation had).
  local arrived = tonumber(redis.call('ZSCORE', KEYS[12], ARGV[5]))
  count = redis.call('ZCOUNT', KEYS[12], '(' .. (arrived - window), arrived)
end
local state = read_state()
local digest = redis.sha1hex(cjson.encode(state))
if ARGV[10] == '' then return {'state', count, digest, state} end
if digest ~= ARGV[10] or (count > tonumber(ARGV[11])) ~= (ARGV[12] == '1') then
  return {'moved', count, digest, state}
end
redis.call('SET', KEYS[11], ARGV[14], 'PX', ARGV[15])
-- The spool entry's record (field ARGV[17]) in parts (ARGV[18..17+n]) joined by this step's
-- throttle count: the audit keeps the count the commit found, not the one the copy predicted.
local n = tonumber(ARGV[16])
redis.call('XADD', KEYS[17], '*', ARGV[17], table.concat({unpack(ARGV, 18, 17 + n)}, tostring(count)))
local book = KEYS[14]
local fields = state[13]
local expired = {}
for i = 1, #fields, 2 do
  if string.sub(fields[i], 1, 2) == ARGV[7] then
    local ok, r = pcall(cjson.decode, fields[i + 1])
    local expires = ok and type(r) == 'table' and tonumber(r.expires_at_ms)
    if expires and expires <= now then
      redis.call('HDEL', book, fields[i])
      redis.call('XADD', KEYS[18], '*', ${expiredEventLuaFields('ARGV[3]', 'fields[i + 1]')})
      expired[#expired + 1] = fields[i + 1]
    end
  end
end
if #expired > 0 or 18 + n <= #ARGV then book_cas(book, -1, 18 + n) end
-- Of what the state holds, this step wrote the book alone (and with it, which mids it needs).
local after = {}
for i = 1, #state do after[i] = state[i] end
after[13] = redis.call('HGETALL', book)
after[11] = mids_of(state[10], after[13])
local digest_after = redis.sha1hex(cjson.encode(after))
-- The caller that holds the state it decided on (ARGV[13] 'changes') needs only what changed.
if ARGV[13] == 'changes' then return {'ok', count, digest_after, {after[11], after[13]}, expired} end
return {'ok', count, digest_after, after, expired}
`;

/** Positions in the script's state table (0-based), which {@link parseState} decodes. */
const S = {
  mark: 0,
  reference: 1,
  breaker: 2,
  killGlobal: 3,
  killAccount: 4,
  killSymbol: 5,
  universeSize: 6,
  inUniverse: 7,
  instrument: 8,
  positions: 9,
  mids: 10,
  daily: 11,
  book: 12,
  balances: 13,
  accountFeed: 14,
} as const;

/** A state the store read, kept for the account's next decision in the same symbol. */
interface Snapshot {
  readonly digest: string;
  readonly state: readonly unknown[];
  /** The throttle count of the trip that read it, and the validation counted by it. */
  readonly count: number;
  readonly member: string;
}

export type { VersionedExposureSnapshot } from '../../../shared/adapters/redis/exposure-read.js';

type RedisWithScripts = Redis & {
  riskDecide(...args: (string | number)[]): Promise<unknown[] | null>;
};

/** Validations whose first throttle count is remembered: far more than decide at once in a process. */
const FIRST_COUNT_ENTRIES = 4_096;

/** How many accounts x symbols keep a state copy; the least recently used goes first. @default */
const DEFAULT_SNAPSHOT_ENTRIES = 256;

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
  /**
   * How many account x symbol state copies {@link RedisRiskStateStore.cached} keeps (the least
   * recently used is dropped). A copy costs memory only: it is verified before it counts.
   * 0 keeps none (every decision reads first: two round trips). @default 256
   */
  readonly snapshotEntries?: number;
}

/**
 * The risk API's hot state on Redis. Every decision is one script ({@link DECIDE_SCRIPT}):
 * made on the copy of the state the account's previous decision in the symbol left
 * ({@link cached}), it costs ONE round trip (WAIT, when replicas are required, pipelined
 * behind it); when the copy moved, or there is none, the script's answer is the state to
 * decide on and the decision costs a second trip, as a read then a commit did before.
 */
export class RedisRiskStateStore implements RiskStateStore {
  private readonly redis: RedisWithScripts;
  private readonly snapshots = new Map<string, Snapshot>();
  /** Throttle counts by validation (rate member), as their first trip found them. */
  private readonly firstCounts = new Map<string, number>();
  private readonly snapshotEntries: number;

  constructor(
    redis: Redis,
    private readonly options: RedisRiskStateOptions = {},
  ) {
    redis.defineCommand('riskDecide', { numberOfKeys: 18, lua: DECIDE_SCRIPT });
    this.redis = redis as RedisWithScripts;
    this.snapshotEntries = options.snapshotEntries ?? DEFAULT_SNAPSHOT_ENTRIES;
  }

  async load(query: LoadQuery): Promise<LoadedState> {
    const reply = await this.decide(query, ['']);
    const [status, count, digest, state, previous] = reply;
    if (status === 'stored') {
      // The order id is taken (this validation was not counted): the answer is the stored decision's.
      return { ...parseState(state as unknown[], 0, query, this.options), previous: parseStored(String(previous)) };
    }
    this.keep(query, {
      digest: String(digest),
      state: state as unknown[],
      count: Number(count),
      member: query.rateMember,
    });
    return {
      ...parseState(state as unknown[], Number(count), query, this.options),
      snapshot: String(digest),
      cached: false,
    };
  }

  cached(query: LoadQuery): LoadedState | null {
    const key = snapshotKey(query);
    const kept = this.snapshots.get(key);
    if (!kept) return null;
    // Most recently used last (Map keeps insertion order): the first key is the one to drop.
    this.snapshots.delete(key);
    this.snapshots.set(key, kept);
    const own = kept.member === query.rateMember;
    // This request is not counted in the kept count unless its own trip read the copy; the
    // commit checks the real count is on the same side of the limit.
    const ordersInWindow = own ? kept.count : kept.count + 1;
    try {
      return {
        ...parseState(kept.state, ordersInWindow, query, this.options),
        snapshot: kept.digest,
        cached: !own,
      };
    } catch {
      // A copy that does not decode is read again (where an unreadable state fails closed).
      this.snapshots.delete(key);
      return null;
    }
  }

  /**
   * The decision's atomic step ({@link DECIDE_SCRIPT}), then (when replicas are required)
   * WAIT on the same connection, pipelined behind it: one round trip, never inside MULTI,
   * where WAIT does not block and answers for the connection's previous write.
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
  ): Promise<StoredDecision | StateMoved | null> {
    const { query } = options;
    // The step reads what the decision's load read: without that load it cannot verify anything.
    if (!query) throw new StateUnavailableError('redis: a commit needs the load it was decided on');
    const max = query.maxOrdersPerWindow ?? Number.MAX_SAFE_INTEGER;
    const evaluated = options.ordersInWindow ?? 0;
    const evaluatedOver = evaluated > max;
    const [field, parts] = spoolEntryParts(record, evaluated);
    const ops = record.reservation
      ? encodeAccountBookOps([
          {
            op: 'set',
            field: reservationField(record.reservation.order_id),
            value: encodeReservationRecord(record.reservation),
          },
        ])
      : [];
    const stored = encodeStoredDecision({ requestHash: record.requestHash, response: record.response });
    // No snapshot named: nothing to verify against, so nothing is written ('moved' answers
    // with the state to decide on). A digest never equals the string 'none'.
    // The copy the decision was made on, when this store still holds it: then the script
    // answers only what its write changed, and the next copy is this one with those parts.
    const held = this.snapshots.get(snapshotKey(query));
    const base = held && held.digest === options.snapshot ? held.state : undefined;
    const commitArgs = [
      options.snapshot ?? 'none',
      max,
      evaluatedOver ? '1' : '0',
      base ? 'changes' : 'state',
      stored,
      idempotencyTtlMs,
      parts.length,
      field,
      ...parts,
      ...ops,
    ];
    const minAcks = this.options.minReplicaAcks ?? 0;
    let acknowledged = minAcks;
    const reply = await this.decide(query, commitArgs, (ack) => {
      acknowledged = ack;
    });
    const [status, count, digest, state, extra] = reply;
    if (status === 'stored') return parseStored(String(extra));
    this.keep(query, {
      digest: String(digest),
      state: status === 'ok' && base ? withChanges(base, state as unknown[]) : (state as unknown[]),
      count: Number(count),
      member: query.rateMember,
    });
    if (status === 'moved') return { stateMoved: true };
    const expired = (Array.isArray(extra) ? extra : [])
      .map((json) => decodeReservation(String(json)))
      .filter((r): r is Reservation => r !== null);
    if (expired.length > 0) this.options.onReservationsExpired?.(expired);
    if (acknowledged < minAcks) {
      this.options.onReplicaAckShortfall?.(acknowledged, minAcks);
      // Committed by this call but held by the primary alone: the row the spool entry would give.
      await this.auditDurably(withRecordedCount(record, evaluated, Number(count)));
    }
    return null;
  }

  /** One trip: the script, with WAIT pipelined behind it when this trip may write a decision. */
  private async decide(
    query: LoadQuery,
    tail: readonly (string | number)[],
    onAcknowledged?: (replicas: number) => void,
  ): Promise<unknown[]> {
    const { accountId, symbol } = query;
    const args: (string | number)[] = [
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
      REDIS_KEYS.auditSpool,
      REDIS_KEYS.reservationEvents,
      symbol,
      REDIS_KEYS.mark(''),
      query.nowMs,
      query.rateWindowMs,
      query.rateMember,
      STATE_EPOCH_FIELDS.generation,
      ACCOUNT_BOOK_FIELDS.reservationPrefix,
      ACCOUNT_BOOK_FIELDS.orderPrefix,
      this.firstCounts.get(query.rateMember) ?? '',
      ...tail,
    ];
    let reply: unknown[] | null;
    try {
      const minAcks = this.options.minReplicaAcks ?? 0;
      if (minAcks === 0 || !onAcknowledged) {
        reply = await this.redis.riskDecide(...args);
      } else {
        const results = await this.redis
          .pipeline()
          .riskDecide(...args)
          .wait(minAcks, this.options.replicaAckTimeoutMs ?? 10)
          .exec();
        const [decideResult, waitResult] = results ?? [];
        if (!decideResult || decideResult[0]) throw decideResult?.[0] ?? new Error('decision step failed');
        reply = decideResult[1] as unknown[] | null;
        onAcknowledged(waitResult && !waitResult[0] ? Number(waitResult[1]) : 0);
      }
    } catch (error) {
      // What the copy said can no longer be trusted to be the store's: read again next time.
      this.snapshots.delete(snapshotKey(query));
      throw new StateUnavailableError('redis', { cause: error });
    }
    if (reply === null) {
      this.snapshots.delete(snapshotKey(query));
      this.options.onStateEpochMissing?.();
      throw new StateEpochMissingError();
    }
    // The count this validation's first trip took, for its later trips ('stored' counts nothing).
    if (reply[0] !== 'stored' && !this.firstCounts.has(query.rateMember)) {
      this.firstCounts.set(query.rateMember, Number(reply[1]));
      if (this.firstCounts.size > FIRST_COUNT_ENTRIES) {
        const oldest = this.firstCounts.keys().next().value;
        if (oldest !== undefined) this.firstCounts.delete(oldest);
      }
    }
    return reply;
  }

  private keep(query: LoadQuery, snapshot: Snapshot): void {
    if (this.snapshotEntries <= 0) return;
    const key = snapshotKey(query);
    this.snapshots.delete(key);
    this.snapshots.set(key, snapshot);
    if (this.snapshots.size > this.snapshotEntries) {
      const oldest = this.snapshots.keys().next().value;
      if (oldest !== undefined) this.snapshots.delete(oldest);
    }
  }

  private async auditDurably(record: DecisionRecord): Promise<void> {
    try {
      await this.options.durableAudit?.insert([record]);
    } catch (error) {
      this.options.onDurableAuditFailed?.(record.decisionId, error);
    }
  }

  /** An account's exposure as it stands, for `GET .../exposure` (shared with the console's read). */
  loadExposure(accountId: string, nowMs: number): Promise<VersionedExposureSnapshot> {
    return readExposure(this.redis, accountId, nowMs);
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
    riskDecide(...args: (string | number)[]): ChainableCommander;
  }
}

/**
 * The throttle count recorded with a decision: `inputs.orders_in_window` and the recorded
 * rule state's (`inputs.state.orders_in_window`), when they hold the evaluated count.
 */
const COUNT_FIELD = 'orders_in_window';

/**
 * A copy of the record whose recorded throttle counts (`inputs` and `inputs.state`) holding
 * `evaluated` say `value` instead; the record itself is not changed.
 */
function withRecordedCount(record: DecisionRecord, evaluated: number, value: number | string): DecisionRecord {
  const inputs = record.inputs;
  if (!inputs || typeof inputs !== 'object') return record;
  const copy: Record<string, unknown> = { ...(inputs as Record<string, unknown>) };
  if (copy[COUNT_FIELD] === evaluated) copy[COUNT_FIELD] = value;
  const state = copy.state as Record<string, unknown> | undefined;
  if (state && typeof state === 'object' && state[COUNT_FIELD] === evaluated) {
    copy.state = { ...state, [COUNT_FIELD]: value };
  }
  return { ...record, inputs: copy };
}

/**
 * The record's spool entry (through its codec) cut where the throttle count goes, so the
 * script joins the parts with the count it finds. The cut is a marker no request can
 * contain (a fresh random id), so only the count's own places are cut.
 */
function spoolEntryParts(record: DecisionRecord, evaluated: number): [field: string, parts: string[]] {
  const marker = `@count-${randomUUID()}@`;
  const [field, json] = encodeSpoolEntry(withRecordedCount(record, evaluated, marker));
  return [field, json.split(JSON.stringify(marker))];
}

/** The state the decision was made on with the parts its commit changed: `[mids, book]`. */
function withChanges(base: readonly unknown[], changes: readonly unknown[]): unknown[] {
  const after = [...base];
  after[S.mids] = changes[0];
  after[S.book] = changes[1];
  return after;
}

function snapshotKey(query: Pick<LoadQuery, 'accountId' | 'symbol'>): string {
  return `${query.accountId}\u0000${query.symbol}`;
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

/**
 * Decoded books by the reply array they came from: a kept copy decides many orders, and its
 * book (JSON per order) is decoded once. Keyed weakly: a copy dropped takes its entry along.
 */
const decodedBooks = new WeakMap<object, DecodedAccountBook>();

function decodedBookOf(accountId: string, raw: unknown): DecodedAccountBook {
  const key = Array.isArray(raw) ? raw : null;
  const known = key ? decodedBooks.get(key) : undefined;
  if (known && known.book.accountId === accountId) return known;
  const decoded = decodeAccountBook(accountId, hash(raw));
  if (key) decodedBooks.set(key, decoded);
  return decoded;
}

/** Decodes the script's state table (see {@link S}) for one query; unreadable exposure fails closed. */
function parseState(
  reply: readonly unknown[],
  ordersInWindow: number,
  query: LoadQuery,
  options: RedisRiskStateOptions,
): LoadedState {
  const boundaryMinutes = options.tradingDayBoundaryMinutes ?? 0;
  const mark = decodeMark(hash(reply[S.mark]));
  const reference = decodeReferencePrice(hash(reply[S.reference]));
  const breaker = decodeBreaker(hash(reply[S.breaker]));
  const killSwitches = [
    parseKill('global', hash(reply[S.killGlobal])),
    parseKill('account', hash(reply[S.killAccount])),
    parseKill('symbol', hash(reply[S.killSymbol])),
  ].filter((k): k is EngagedKillSwitch => k !== null);
  const universeSize = Number(reply[S.universeSize]);
  const inUniverse = Number(reply[S.inUniverse]) === 1;

  const positions = decodePositions(hash(reply[S.positions]));
  // Open orders that cannot be read are not zero exposure, nor are balances: fail closed.
  const decodedBook = decodedBookOf(query.accountId, reply[S.book]);
  if (decodedBook.unreadable.length > 0) {
    throw new StateUnavailableError(`account book unreadable: ${decodedBook.unreadable.join(', ')}`);
  }
  const decodedBalances = decodeBalances(hash(reply[S.balances]));
  if (decodedBalances.unreadable.length > 0) {
    throw new StateUnavailableError(`balances unreadable: ${decodedBalances.unreadable.join(', ')}`);
  }
  const feed = options.accountFeed;
  const marks = new Map<string, Decimal>();
  for (const [symbol, mid] of Object.entries(hash(reply[S.mids]))) {
    const value = decimalOrNull(mid);
    if (value) marks.set(symbol, value);
  }
  if (mark) marks.set(query.symbol, mark.mid);

  const daily = hash(reply[S.daily]);
  // Counters of an earlier trading day have been reset. A date after today (clocks apart at
  // the boundary) still counts: a loss counted early is safer than a loss ignored.
  const today = daily.date !== undefined && daily.date >= tradingDay(query.nowMs, boundaryMinutes);

  const state: RiskState = {
    instrument: decodeInstrument(query.symbol, reply[S.instrument]),
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
    ordersInWindow,
    openOrders: openOrdersOf(decodedBook.book, query.nowMs),
    ...(decodedBalances.balances ? { balances: decodedBalances.balances } : {}),
    ...(query.amendOf !== undefined ? { amendTarget: openOrderFor(decodedBook.book, query.amendOf, query.nowMs) } : {}),
    ...(feed?.required
      ? {
          accountFeedUsable: accountFeedUsable(
            decodeAccountFeed(hash(reply[S.accountFeed])),
            query.nowMs,
            feed.maxAgeMs,
          ),
        }
      : {}),
  };
  return { state, previous: null, bookVersion: decodedBook.version };
}
