import type { Redis } from 'ioredis';
import { type AccountFeedStatus, encodeAccountFeed } from '../../../shared/adapters/redis/account-feed-hash.js';
import { decodeMark } from '../../../shared/adapters/redis/mark-hash.js';
import { decodeStoredVerdict } from '../../../shared/adapters/redis/order-decision.js';
import type { GateHealthVerdict } from '../../../shared/domain/account-feed/dead-mans-switch.js';
import type { StoredVerdict } from '../../../shared/domain/account-feed/unvetted.js';
import { REDIS_KEYS } from '../../../shared/names.js';
import type {
  AccountFeedStatusStore,
  DecisionLookup,
  GateHealth,
  UnvettedOrderAudit,
  UnvettedOrderReport,
} from '../ports.js';

/** Writes the account's status hash and its TTL in one round trip. */
export class RedisAccountFeedStatusStore implements AccountFeedStatusStore {
  constructor(private readonly redis: Redis) {}

  async write(accountId: string, status: AccountFeedStatus, ttlMs: number): Promise<void> {
    const key = REDIS_KEYS.accountFeed(accountId);
    await this.redis.multi().hset(key, encodeAccountFeed(status)).pexpire(key, ttlMs).exec();
  }
}

/** Reads the decision the risk API stored under the order id. */
export class RedisDecisionLookup implements DecisionLookup {
  constructor(private readonly redis: Redis) {}

  async verdict(accountId: string, clOrdId: string): Promise<StoredVerdict> {
    return decodeStoredVerdict(await this.redis.get(REDIS_KEYS.orderId(accountId, clOrdId)));
  }
}

/** Appends unvetted-order reports to a capped Redis stream (kept for inspection and alarms). */
export class RedisUnvettedOrderAudit implements UnvettedOrderAudit {
  constructor(
    private readonly redis: Redis,
    private readonly maxEntries = 100_000,
  ) {}

  async record(report: UnvettedOrderReport): Promise<void> {
    await this.redis.xadd(REDIS_KEYS.unvettedOrders, 'MAXLEN', '~', this.maxEntries, '*', 'r', JSON.stringify(report));
  }
}

export interface RedisGateHealthOptions {
  /** Symbols whose marks must be live and young. */
  readonly symbols: readonly string[];
  readonly markMaxAgeMs: number;
  /**
   * Extra checks (the Kinesis backlog, the risk API answering); names of the failing ones.
   * They run beside the Redis reads; one that throws counts as failing (fail closed).
   */
  readonly extraChecks?: (nowMs: number) => readonly string[] | Promise<readonly string[]>;
}

/**
 * The gate is healthy when the market ingester says its feed is live, every watched mark is
 * live and younger than the limit, Redis answers and every extra check passes (in a task:
 * Kinesis keeping up and the risk API answering). Anything else withholds the dead man's
 * switch refresh.
 */
export class RedisGateHealth implements GateHealth {
  constructor(
    private readonly redis: Redis,
    private readonly options: RedisGateHealthOptions,
  ) {}

  async check(nowMs: number): Promise<GateHealthVerdict> {
    const extra = (async () => this.options.extraChecks?.(nowMs) ?? [])().catch(() => ['extra_check_failed']);
    const reasons: string[] = [];
    try {
      const pipeline = this.redis.pipeline().hget(REDIS_KEYS.feedStatus, 'status');
      for (const symbol of this.options.symbols) pipeline.hgetall(REDIS_KEYS.mark(symbol));
      const replies = (await pipeline.exec()) ?? [];
      const [feedError, feedStatus] = replies[0] ?? [new Error('no reply'), null];
      if (feedError || feedStatus !== 'live') reasons.push(`market_feed_${String(feedStatus ?? 'missing')}`);
      this.options.symbols.forEach((symbol, i) => {
        const [error, fields] = replies[i + 1] ?? [new Error('no reply'), null];
        const mark = error ? null : decodeMark((fields ?? {}) as Record<string, string>);
        if (!mark) reasons.push(`mark_missing:${symbol}`);
        else if (!mark.live) reasons.push(`mark_stale:${symbol}`);
        else if (nowMs - Math.max(mark.receiveTsMs, mark.verifiedTsMs ?? 0) > this.options.markMaxAgeMs) {
          reasons.push(`mark_old:${symbol}`);
        }
      });
    } catch {
      reasons.push('redis_unavailable');
    }
    reasons.push(...(await extra));
    return { healthy: reasons.length === 0, reasons };
  }
}
