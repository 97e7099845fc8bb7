import { deviationBps } from '../../shared/domain/breakers/deviation.js';
import { type BreakerTransition, nextTrippedDecimal } from '../../shared/domain/breakers/hysteresis.js';
import type { BreakerAudit, BreakerConfigSource, BreakerWriter } from '../../shared/domain/breakers/ports.js';
import { Decimal } from '../../shared/domain/decimal.js';
import type { ReferencePriceStore, ReferenceQuoteSource } from './ports.js';

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
  readonly quotes: ReferenceQuoteSource;
  readonly store: ReferencePriceStore;
  readonly breakers: BreakerWriter;
  readonly audit: BreakerAudit;
  readonly configs: BreakerConfigSource;
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
 * One run of the reference-prices job (every minute): the quote source (CoinGecko
 * /simple/price) for every configured symbol; fresh quotes stored as the reference price
 * (its time is the provider's last update, not ours); stale quotes ignored. Then the deviation
 * breaker: Kraken's mid against the reference, with the symbol's trip/clear thresholds.
 * A rate limit is honoured across runs: the store keeps the time before which no call is made.
 */
export async function refreshReferencePrices(deps: ReferencePricesDeps): Promise<RefreshSummary> {
  const now = (deps.now ?? Date.now)();
  const notBefore = await deps.store.notBefore();
  if (notBefore > now) return { outcome: 'backing-off', written: [], stale: [], transitions: [], retryAtMs: notBefore };

  const answer = await deps.quotes.quotes([...new Set(Object.values(deps.coins))]);
  if (answer.kind === 'rate-limited') {
    await deps.store.holdOff(answer.retryAtMs, now);
    return { outcome: 'rate-limited', written: [], stale: [], transitions: [], retryAtMs: answer.retryAtMs };
  }

  const fresh = new Map<string, { price: Decimal; updatedAtMs: number }>();
  const stale: string[] = [];
  for (const symbol of Object.keys(deps.coins)) {
    const quote = answer.quotes.get(deps.coins[symbol] as string);
    if (!quote) continue;
    if (now - quote.lastUpdatedAtMs > deps.maxQuoteAgeMs) stale.push(symbol);
    else fresh.set(symbol, { price: quote.price, updatedAtMs: quote.lastUpdatedAtMs });
  }
  const views = await deps.store.publish(fresh);

  const configs = await deps.configs.get();
  const transitions: BreakerTransition[] = [];
  for (const [symbol, quote] of fresh) {
    const view = views.get(symbol);
    if (!view?.mark || now - view.mark.receiveTsMs > deps.maxMarkAgeMs) continue;
    const { mark, deviationTripped: tripped } = view;
    const bps = deviationBps(mark.mid, quote.price);
    if (!bps) continue;
    const config = configs.for(symbol);
    const thresholds = {
      trip: Decimal.parse(config.deviation_trip_bps),
      clear: Decimal.parse(config.deviation_clear_bps),
    };
    const next = nextTrippedDecimal(tripped, bps, thresholds, config.safe_mode);
    if (next === tripped) continue;
    const threshold = next ? thresholds.trip : thresholds.clear;
    transitions.push({
      symbol,
      cause: 'deviation',
      tripped: next,
      reason: `Kraken mid ${mark.mid} is ${bps.toFixed(1)} bps from reference ${quote.price} (${next ? '>=' : '<'} ${threshold} bps)`,
      atMs: now,
      value: bps.toFixed(4),
      threshold: threshold.toString(),
      sourceId: `reference:${symbol}:${quote.updatedAtMs}:${mark.receiveTsMs}`,
    });
  }
  await deps.audit.record(transitions, configs.version);
  await deps.breakers.apply(transitions);
  return { outcome: 'refreshed', written: [...fresh.keys()], stale, transitions };
}
