import type { Redis } from 'ioredis';
import { encodeSpoolEntry } from '../../../shared/adapters/redis/audit-spool.js';
import { decodeBreaker } from '../../../shared/adapters/redis/breaker-hash.js';
import { decodeMark } from '../../../shared/adapters/redis/mark-hash.js';
import { decodeStoredDecision, encodeStoredDecision } from '../../../shared/adapters/redis/order-decision.js';
import { decodeReferencePrice } from '../../../shared/adapters/redis/reference-price-hash.js';
import { STATE_EPOCH_FIELDS } from '../../../shared/adapters/redis/state-epoch.js';
import { Decimal } from '../../../shared/domain/decimal.js';
import { StateUnavailableError } from '../../../shared/domain/errors.js';
import { tradingDay } from '../../../shared/domain/positions/positions.js';
import type {
  DecisionRecord,
  LoadedState,
  LoadQuery,
  RiskStateStore,
  StoredDecision,
} from '../../../shared/domain/risk/ports.js';
import type { EngagedKillSwitch, Instrument, RiskState } from '../../../shared/domain/risk/state.js';
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
local mids = {}
for i = 1, #positions, 2 do
  mids[#mids + 1] = positions[i]
  mids[#mids + 1] = redis.call('HGET', ARGV[2] .. positions[i], 'mid') or ''
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
 * First writer of an order id wins; the winner's decision and its audit record land together.
 * ARGV[3..] are the spool entry's fields as the audit spool codec encodes them.
 */
const COMMIT_SCRIPT = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  redis.call('XADD', KEYS[2], '*', unpack(ARGV, 3))
  return false
end
return redis.call('GET', KEYS[1])
`;

type RedisWithScripts = Redis & {
  riskLoad(...args: (string | number)[]): Promise<unknown[] | null>;
  riskCommit(...args: (string | number)[]): Promise<string | null>;
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
}

export class RedisRiskStateStore implements RiskStateStore {
  private readonly redis: RedisWithScripts;

  constructor(
    redis: Redis,
    private readonly options: RedisRiskStateOptions = {},
  ) {
    redis.defineCommand('riskLoad', { numberOfKeys: 13, lua: LOAD_SCRIPT });
    redis.defineCommand('riskCommit', { numberOfKeys: 2, lua: COMMIT_SCRIPT });
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
        symbol,
        REDIS_KEYS.mark(''),
        query.nowMs,
        query.rateWindowMs,
        query.rateMember,
        STATE_EPOCH_FIELDS.generation,
      );
    } catch (error) {
      throw new StateUnavailableError('redis', { cause: error });
    }
    if (reply === null) {
      this.options.onStateEpochMissing?.();
      throw new StateEpochMissingError();
    }
    return parseLoadReply(reply, query, this.options.tradingDayBoundaryMinutes ?? 0);
  }

  async commit(record: DecisionRecord, idempotencyTtlMs: number): Promise<StoredDecision | null> {
    const stored = encodeStoredDecision({ requestHash: record.requestHash, response: record.response });
    const keys = [REDIS_KEYS.orderId(record.accountId, record.orderId), REDIS_KEYS.auditSpool];
    const entry = encodeSpoolEntry(record);
    try {
      const minAcks = this.options.minReplicaAcks ?? 0;
      if (minAcks === 0) {
        const previous = await this.redis.riskCommit(...keys, stored, idempotencyTtlMs, ...entry);
        return previous ? parseStored(previous) : null;
      }
      const results = await this.redis
        .multi()
        .riskCommit(...keys, stored, idempotencyTtlMs, ...entry)
        .wait(minAcks, this.options.replicaAckTimeoutMs ?? 10)
        .exec();
      const [commitResult, waitResult] = results ?? [];
      if (!commitResult || commitResult[0] || !waitResult || waitResult[0]) throw new Error('commit failed');
      if (Number(waitResult[1]) < minAcks) throw new Error(`only ${waitResult[1]} replicas acknowledged`);
      return commitResult[1] ? parseStored(commitResult[1] as string) : null;
    } catch (error) {
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

function parseInstrument(symbol: string, json: unknown): Instrument | null {
  if (typeof json !== 'string') return null;
  try {
    const data = JSON.parse(json) as Record<string, unknown>;
    const priceIncrement = decimalOrNull(String(data.price_increment ?? ''));
    const qtyIncrement = decimalOrNull(String(data.qty_increment ?? ''));
    const qtyMin = decimalOrNull(String(data.qty_min ?? ''));
    if (!priceIncrement?.isPositive() || !qtyIncrement?.isPositive() || !qtyMin) return null;
    return { symbol, status: String(data.status ?? 'unknown'), priceIncrement, qtyIncrement, qtyMin };
  } catch {
    return null;
  }
}

/** A missing counter is zero; an unreadable one fails closed rather than reading as zero. */
function counter(text: string | undefined, what: string): Decimal {
  if (text === undefined || text === '') return Decimal.ZERO;
  const value = Decimal.tryParse(text);
  if (!value) throw new StateUnavailableError(`${what} unreadable`);
  return value;
}

function parseLoadReply(reply: unknown[], query: LoadQuery, boundaryMinutes: number): LoadedState {
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

  const positions = new Map<string, Decimal>();
  for (const [symbol, qty] of Object.entries(hash(reply[9]))) {
    // An unreadable position must not vanish from the exposure: fail closed.
    const value = Decimal.tryParse(qty);
    if (!value) throw new StateUnavailableError(`position ${symbol} unreadable`);
    positions.set(symbol, value);
  }
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
    instrument: parseInstrument(query.symbol, reply[8]),
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
  };
  const previous = typeof reply[12] === 'string' ? parseStored(reply[12]) : null;
  return { state, previous };
}
