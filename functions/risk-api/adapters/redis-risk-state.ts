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
import {
  ACCOUNT_FEED_FIELDS,
  accountFeedUsable,
  decodeAccountFeed,
} from '../../../shared/adapters/redis/account-feed-hash.js';
import { encodeSpoolEntry } from '../../../shared/adapters/redis/audit-spool.js';
import { decodeBalances } from '../../../shared/adapters/redis/balances-hash.js';
import { decodeBreaker } from '../../../shared/adapters/redis/breaker-hash.js';
import { readExposure, type VersionedExposureSnapshot } from '../../../shared/adapters/redis/exposure-read.js';
import { decodeInstrument } from '../../../shared/adapters/redis/instruments-hash.js';
import { decodeMark, MARK_FIELDS } from '../../../shared/adapters/redis/mark-hash.js';
import { decodeStoredDecision, encodeStoredDecision } from '../../../shared/adapters/redis/order-decision.js';
import { decodePositions } from '../../../shared/adapters/redis/positions-hash.js';
import { decodeReferencePrice, REFERENCE_PRICE_FIELDS } from '../../../shared/adapters/redis/reference-price-hash.js';
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

/** The same positions in Lua (1-based), for the parts the script treats by name. */
const S_LUA = { mark: S.mark + 1, reference: S.reference + 1, accountFeed: S.accountFeed + 1 } as const;

/**
 * The one atomic step of a decision (issue #12): ONE script, one round trip per decision.
 *
 * It reads everything a decision needs: the mark, reference, breaker, the three kill-switch
 * scopes, universe, instrument, positions with the mid of every symbol held or with an open
 * order, daily counters, the account's book, balances and private-feed status (the "state",
 * a table), and a SHA-1 digest of what in that table can change a decision (see below).
 * Before it, the state epoch (no
 * epoch: nothing in the cache can be trusted, answer false) and the decision already stored
 * under the order id (answered as {'stored', ...}, counted nowhere); then it counts the
 * validation in the account's sliding throttle window, once, at its first arrival (a later
 * trip of the same validation names the count its first trip answered, ARGV[9]).
 *
 * What the digest leaves out: freshness timestamps that are rewritten without anything else
 * moving, so that a copy kept from the previous decision stays good while only they move.
 * The mark's `verified_ts_ms` (re-verified by the ingester every 200 ms), the reference's
 * `updated_at_ms` and the account feed's `updated_ms` (heartbeat every 1 s) are each compared
 * with a cutoff instead (ARGV[10..12]: the caller's `nowMs` minus the max age its rules
 * allow; '' leaves the field in the digest): the decision stands only if each is on the same
 * side of its cutoff now as in the copy it was made on (ARGV[14], one character per cutoff:
 * '1' at or after it, '0' before it or not a plain integer, '-' no cutoff), so the rules'
 * age checks give the same answer. A value that is not a plain integer of at most 15 digits
 * stays in the digest as read, and a missing field changes the digest: neither can pass as
 * fresh. The feed's `last_message_ms` (only its readability matters) is left out the same
 * way, and the mark's `last` (no rule reads it; rewritten on every trade) entirely. The
 * mark's `receive_ts_ms` and `exchange_ts_ms` stay in: they move only with a new quote, and
 * their difference is the latency rule's input.
 *
 * Read only (ARGV[13] empty): answers {'state', count, digest, state}.
 *
 * Commit (ARGV[13] the digest of the state the decision was made on): the decision is written
 * only if the state read now has that very digest, its timestamps are on the sides of their
 * cutoffs the decision saw (ARGV[14]), and the throttle count is on the same side of the
 * limit (ARGV[15]) as the count the decision was evaluated with (ARGV[16], '1' over): the
 * decision is then exactly the one the rules give on this step's own read, as if they ran
 * inside it. Otherwise nothing is written and the answer is {'moved', count, digest, state},
 * what the decision must be re-made on. On a match, in order: the decision under the order
 * id (ARGV[18], TTL ARGV[19]), its audit spool entry (ARGV[20..21+n]), the pending
 * reservations past their expiry out of the book (each audited on the reservation events
 * stream and returned) and the accept's reservation (book operations from ARGV[22+n]) with
 * one version bump, through the book's compare-and-set function; then it reads the state
 * again and answers {'ok', count, digest, state, expired}, the copy the next decision of
 * the account starts from (ARGV[17] 'changes': only {mids, book, mark, reference, account
 * feed}, the parts it can change or that carry timestamps, for a caller that holds the state
 * the decision was made on).
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
-- A plain integer of at most 15 digits: exact in a Lua double and in a JS number alike.
local function plain_int(v)
  return type(v) == 'string' and #v <= 15 and string.find(v, '^%d+$') ~= nil
end
-- A hash (HGETALL) as the digest sees it: \`volatile\` fields holding a plain integer count by
-- presence only, \`dropped\` fields not at all.
local function digestible(flat, volatile, dropped)
  local out = {}
  for i = 1, #flat, 2 do
    local f, v = flat[i], flat[i + 1]
    if not dropped[f] then
      out[#out + 1] = f
      out[#out + 1] = (volatile[f] and plain_int(v)) and '#' or v
    end
  end
  return out
end
local checked = {
  {${S_LUA.mark}, '${MARK_FIELDS.verifiedTsMs}', ARGV[10]},
  {${S_LUA.reference}, '${REFERENCE_PRICE_FIELDS.updatedAtMs}', ARGV[11]},
  {${S_LUA.accountFeed}, '${ACCOUNT_FEED_FIELDS.updatedMs}', ARGV[12]},
}
local volatile = {{}, {}, {}}
for i, c in ipairs(checked) do if c[3] ~= '' then volatile[i][c[2]] = true end end
volatile[3]['${ACCOUNT_FEED_FIELDS.lastMessageMs}'] = true
local function digest_of(s)
  local d = {}
  for i = 1, #s do d[i] = s[i] end
  d[${S_LUA.mark}] = digestible(s[${S_LUA.mark}], volatile[1], {['${MARK_FIELDS.last}'] = true})
  d[${S_LUA.reference}] = digestible(s[${S_LUA.reference}], volatile[2], {})
  d[${S_LUA.accountFeed}] = digestible(s[${S_LUA.accountFeed}], volatile[3], {})
  return redis.sha1hex(cjson.encode(d))
end
-- Each checked timestamp's side of its cutoff: '1' at or after, '0' before or not a plain
-- integer (missing included), '-' no cutoff.
local function sides_of(s)
  local out = {}
  for i, c in ipairs(checked) do
    if c[3] == '' then
      out[i] = '-'
    else
      local flat, v = s[c[1]], nil
      for j = 1, #flat, 2 do if flat[j] == c[2] then v = flat[j + 1] end end
      out[i] = (plain_int(v) and tonumber(v) >= tonumber(c[3])) and '1' or '0'
    end
  end
  return table.concat(out)
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
local digest = digest_of(state)
if ARGV[13] == '' then return {'state', count, digest, state} end
if digest ~= ARGV[13] or sides_of(state) ~= ARGV[14] or (count > tonumber(ARGV[15])) ~= (ARGV[16] == '1') then
  return {'moved', count, digest, state}
end
redis.call('SET', KEYS[11], ARGV[18], 'PX', ARGV[19])
-- The spool entry's record (field ARGV[21]) in parts (ARGV[22..21+n]) joined by this step's
-- throttle count: the audit keeps the count the commit found, not the one the copy predicted.
local n = tonumber(ARGV[20])
redis.call('XADD', KEYS[17], '*', ARGV[21], table.concat({unpack(ARGV, 22, 21 + n)}, tostring(count)))
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
if #expired > 0 or 22 + n <= #ARGV then book_cas(book, -1, 22 + n) end
-- Of what the state holds, this step wrote the book alone (and with it, which mids it needs).
local after = {}
for i = 1, #state do after[i] = state[i] end
after[13] = redis.call('HGETALL', book)
after[11] = mids_of(state[10], after[13])
local digest_after = digest_of(after)
-- The caller that holds the state it decided on (ARGV[17] 'changes') needs only what changed,
-- and the timestamps it checked by cutoff only, so its copy's ages are today's.
if ARGV[17] == 'changes' then
  return {'ok', count, digest_after, {after[11], after[13], after[${S_LUA.mark}], after[${S_LUA.reference}], after[${S_LUA.accountFeed}]}, expired}
end
return {'ok', count, digest_after, after, expired}
`;

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
    const reply = await this.decide(query, ['', '']);
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
      snapshot: snapshotToken(String(digest), state as unknown[], cutoffsOf(query, this.options)),
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
        snapshot: snapshotToken(kept.digest, kept.state, cutoffsOf(query, this.options)),
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
    const [madeOn, sides] = parseSnapshotToken(options.snapshot);
    // The copy the decision was made on, when this store still holds it: then the script
    // answers only what its write changed, and the next copy is this one with those parts.
    const held = this.snapshots.get(snapshotKey(query));
    const base = held && held.digest === madeOn ? held.state : undefined;
    const commitArgs = [
      madeOn,
      sides,
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
      ...cutoffsOf(query, this.options),
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

/**
 * The state the decision was made on with the parts its commit answered: `[mids, book, mark,
 * reference, account feed]`, what it changed and the hashes whose timestamps the digest
 * leaves out, so the next decision's ages are counted from what the store holds now.
 */
function withChanges(base: readonly unknown[], changes: readonly unknown[]): unknown[] {
  const after = [...base];
  after[S.mids] = changes[0];
  after[S.book] = changes[1];
  after[S.mark] = changes[2];
  after[S.reference] = changes[3];
  after[S.accountFeed] = changes[4];
  return after;
}

/**
 * The cutoffs of the timestamps the script checks by side instead of digesting (see
 * {@link DECIDE_SCRIPT}), from the clock and the max ages the rules decide with: the mark's
 * verification, the reference's update, the account feed's heartbeat. '' where the query
 * names no max age (the timestamp is then digested: it must not move at all). A feed that is
 * not required is read by no rule: cutoff 0, so its heartbeat never moves the copy.
 */
function cutoffsOf(query: LoadQuery, options: RedisRiskStateOptions): [mark: string, reference: string, feed: string] {
  const cutoff = (maxAgeMs: number | undefined) => (maxAgeMs === undefined ? '' : String(query.nowMs - maxAgeMs));
  const feed = options.accountFeed;
  return [cutoff(query.markMaxAgeMs), cutoff(query.referenceMaxAgeMs), feed?.required ? cutoff(feed.maxAgeMs) : '0'];
}

/** Fields checked against {@link cutoffsOf}'s cutoffs, in the same order, as the script does. */
const CHECKED_FIELDS = [
  [S.mark, MARK_FIELDS.verifiedTsMs],
  [S.reference, REFERENCE_PRICE_FIELDS.updatedAtMs],
  [S.accountFeed, ACCOUNT_FEED_FIELDS.updatedMs],
] as const;

/** The script's plain integer: digits only, at most 15 (exact as a double on both sides). */
const PLAIN_INT = /^\d{1,15}$/;

/**
 * Each checked timestamp's side of its cutoff in `state`, exactly as the script computes it
 * ('1' at or after, '0' before or not a plain integer, '-' no cutoff): what the decision made
 * on `state` saw, for the commit to find again.
 */
function sidesOf(state: readonly unknown[], cutoffs: readonly string[]): string {
  return CHECKED_FIELDS.map(([index, field], i) => {
    const cutoff = cutoffs[i] ?? '';
    if (cutoff === '') return '-';
    const value = fieldOf(state[index], field);
    return value !== undefined && PLAIN_INT.test(value) && Number(value) >= Number(cutoff) ? '1' : '0';
  }).join('');
}

function fieldOf(flat: unknown, field: string): string | undefined {
  if (!Array.isArray(flat)) return undefined;
  let value: string | undefined;
  for (let i = 0; i + 1 < flat.length; i += 2) if (flat[i] === field) value = String(flat[i + 1]);
  return value;
}

/**
 * What a decision names as the state it was made on (LoadedState.snapshot): the digest and the
 * sides of its cutoffs the decision saw, computed with this request's own clock.
 */
function snapshotToken(digest: string, state: readonly unknown[], cutoffs: readonly string[]): string {
  return `${digest}/${sidesOf(state, cutoffs)}`;
}

/** The digest and sides a token names; 'none' (no digest is that) when there is no token. */
function parseSnapshotToken(token: string | undefined): [digest: string, sides: string] {
  if (token === undefined) return ['none', ''];
  const slash = token.lastIndexOf('/');
  return slash < 0 ? [token, ''] : [token.slice(0, slash), token.slice(slash + 1)];
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
