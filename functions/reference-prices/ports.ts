import type { Decimal } from '../../shared/domain/decimal.js';

/** A reference quote: the provider's price and the time the provider last updated it. */
export interface ReferenceQuote {
  readonly price: Decimal;
  readonly lastUpdatedAtMs: number;
}

/**
 * Where reference quotes come from (CoinGecko). A rate limit is an outcome, not an error:
 * the job records the time before which it must not call again. A malformed answer throws.
 */
export interface ReferenceQuoteSource {
  quotes(
    coinIds: readonly string[],
  ): Promise<
    | { readonly kind: 'quotes'; readonly quotes: ReadonlyMap<string, ReferenceQuote> }
    | { readonly kind: 'rate-limited'; readonly retryAtMs: number }
  >;
}

/** What the deviation breaker needs of a symbol's live state, read beside the reference write. */
export interface SymbolMarketView {
  /** The Kraken mark, or null when there is none or it is unreadable. */
  readonly mark: { readonly mid: Decimal; readonly receiveTsMs: number } | null;
  /** Whether the deviation cause of the symbol's breaker is tripped now. */
  readonly deviationTripped: boolean;
}

/** The job's hot state (Redis): the provider back-off, the reference prices, the marks and breakers it reads. */
export interface ReferencePriceStore {
  /** Epoch ms before which the provider must not be called again (0 when there is none). */
  notBefore(): Promise<number>;
  /** Keeps `untilMs` until it passes, across runs. */
  holdOff(untilMs: number, nowMs: number): Promise<void>;
  /**
   * Writes the fresh reference prices and reads, in the same round trip, each of those
   * symbols' mark and deviation cause.
   */
  publish(
    references: ReadonlyMap<string, { readonly price: Decimal; readonly updatedAtMs: number }>,
  ): Promise<Map<string, SymbolMarketView>>;
}
