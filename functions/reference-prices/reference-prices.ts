import type { Redis } from 'ioredis';
import type { PostgresBreakerAudit, RedisBreakerStore } from '../../shared/adapters/breakers/breaker-store.js';
import { type CoinGeckoClient, CoinGeckoRateLimitedError } from '../../shared/adapters/coingecko-client.js';
import { MARK_FIELDS } from '../../shared/adapters/redis/mark-hash.js';
import type { BreakerConfigSet } from '../../shared/domain/breakers/config.js';
import { deviationBps } from '../../shared/domain/breakers/deviation.js';
import { type BreakerTransition, nextTrippedDecimal } from '../../shared/domain/breakers/hysteresis.js';
import { Decimal } from '../../shared/domain/decimal.js';
import { REDIS_KEYS } from '../../shared/names.js';

/** Kraken symbol -> CoinGecko coin id of the reference prices. */
export const DEFAULT_REFERENCE_COINS: Readonly<Record<string, string>> = {
  'BTC/USD': 'bitcoin',
  'ETH/USD': 'ethereum',
  'SOL/USD': 'solana',
  'XRP/USD': 'ripple',
  'ADA/USD': 'cardano',
  'DOGE/USD': 'dogecoin',
  'DOT/USD': 'polkadot',
  'LTC/USD': 'litecoin',
  'LINK/USD': 'chainlink',
  'AVAX/USD': 'avalanche-2',
  'USDT/USD': 'tether',
  'USDC/USD': 'usd-coin',
};

export interface ReferencePricesDeps {
  readonly client: Pick<CoinGeckoClient, 'simplePrice'>;
  readonly redis: Redis;
  readonly breakers: RedisBreakerStore;
  readonly audit: Pick<PostgresBreakerAudit, 'record'>;
  readonly configs: { get(): Promise<BreakerConfigSet> };
  readonly coins: Readonly<Record<string, string>>;
  /** A quote whose last_updated_at is older than this is ignored. */
  readonly maxQuoteAgeMs: number;
  /** A Kraken mark older than this is not compared (the deviation breaker holds its state). */
  readonly maxMarkAgeMs: number;
  readonly now?: () => number;
}

export interface RefreshSummary {
  readonly outcome: 'refreshed' | 'rate-limited' | 'backing-off';
  readonly written: readonly string[];
  readonly stale: readonly string[];
  readonly transitions: readonly BreakerTransition[];
  readonly retryAtMs?: number;
}

/**
 * One run of the reference-prices job (every minute): CoinGecko /simple/price for every
 * configured symbol; fresh quotes to Redis as the reference mark (`ref:<symbol>`: price,
 * updated_at_ms = CoinGecko's last_updated_at); stale quotes ignored. Then the deviation
 * breaker: Kraken's mid against the reference, with the symbol's trip/clear thresholds.
 * A 429 is honoured across runs: the Retry-After time is kept in Redis and no call is made
 * before it.
 */
export async function refreshReferencePrices(deps: ReferencePricesDeps): Promise<RefreshSummary> {
  const now = (deps.now ?? Date.now)();
  const notBefore = Number((await deps.redis.get(REDIS_KEYS.coingeckoRetryAfter)) ?? 0);
  if (notBefore > now) return { outcome: 'backing-off', written: [], stale: [], transitions: [], retryAtMs: notBefore };

  const symbols = Object.keys(deps.coins);
  let quotes: Awaited<ReturnType<CoinGeckoClient['simplePrice']>>;
  try {
    quotes = await deps.client.simplePrice([...new Set(Object.values(deps.coins))]);
  } catch (error) {
    if (!(error instanceof CoinGeckoRateLimitedError)) throw error;
    await deps.redis.set(
      REDIS_KEYS.coingeckoRetryAfter,
      String(error.retryAtMs),
      'PX',
      Math.max(1, error.retryAtMs - now),
    );
    return { outcome: 'rate-limited', written: [], stale: [], transitions: [], retryAtMs: error.retryAtMs };
  }

  const fresh = new Map<string, { price: Decimal; updatedAtMs: number }>();
  const stale: string[] = [];
  for (const symbol of symbols) {
    const quote = quotes.get(deps.coins[symbol] as string);
    if (!quote) continue;
    if (now - quote.lastUpdatedAtMs > deps.maxQuoteAgeMs) stale.push(symbol);
    else fresh.set(symbol, { price: quote.price, updatedAtMs: quote.lastUpdatedAtMs });
  }

  const read = deps.redis.pipeline();
  for (const [symbol, quote] of fresh) {
    read.hset(REDIS_KEYS.referencePrice(symbol), {
      price: quote.price.toString(),
      updated_at_ms: String(quote.updatedAtMs),
    });
    read.hmget(REDIS_KEYS.mark(symbol), MARK_FIELDS.mid, MARK_FIELDS.receiveTsMs);
    read.hget(REDIS_KEYS.breaker(symbol), 'cause:deviation');
  }
  const replies = (await read.exec()) ?? [];
  const failed = replies.find(([error]) => error);
  if (failed) throw failed[0];

  const configs = await deps.configs.get();
  const transitions: BreakerTransition[] = [];
  [...fresh].forEach(([symbol, quote], i) => {
    const [mid, receivedMs] = (replies[i * 3 + 1]?.[1] as (string | null)[]) ?? [];
    const tripped = replies[i * 3 + 2]?.[1] === '1';
    const midValue = mid ? Decimal.tryParse(mid) : undefined;
    if (!midValue || !receivedMs || now - Number(receivedMs) > deps.maxMarkAgeMs) return;
    const bps = deviationBps(midValue, quote.price);
    if (!bps) return;
    const config = configs.for(symbol);
    const thresholds = {
      trip: Decimal.parse(config.deviation_trip_bps),
      clear: Decimal.parse(config.deviation_clear_bps),
    };
    const next = nextTrippedDecimal(tripped, bps, thresholds, config.safe_mode);
    if (next === tripped) return;
    const threshold = next ? thresholds.trip : thresholds.clear;
    transitions.push({
      symbol,
      cause: 'deviation',
      tripped: next,
      reason: `Kraken mid ${midValue} is ${bps.toFixed(1)} bps from reference ${quote.price} (${next ? '>=' : '<'} ${threshold} bps)`,
      atMs: now,
      value: bps.toFixed(4),
      threshold: threshold.toString(),
      sourceId: `reference:${symbol}:${quote.updatedAtMs}:${receivedMs}`,
    });
  });
  await deps.audit.record(transitions, configs.version);
  await deps.breakers.apply(transitions);
  return { outcome: 'refreshed', written: [...fresh.keys()], stale, transitions };
}
