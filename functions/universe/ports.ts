/** A coin of the provider's market-cap ranking. */
export interface RankedCoin {
  readonly id: string;
  /** The coin's common ticker (`btc`), in any case. */
  readonly symbol: string;
}

/** The top coins by market cap (CoinGecko /coins/markets). */
export interface TopCoinsSource {
  topByMarketCap(count: number): Promise<readonly RankedCoin[]>;
}

/** Kraken's online USD spot pairs, as the instrument catalog holds them. */
export interface UsdPairCatalog {
  onlineUsdPairs(): Promise<readonly { readonly symbol: string; readonly base: string }[]>;
}

/** The durable history of universes: every published one is a new version. */
export interface UniverseVersions {
  record(symbols: readonly string[], source: Readonly<Record<string, unknown>>): Promise<number>;
}

/** The live universe the risk API checks. */
export interface PublishedUniverse {
  /** Replaces the live universe at once (readers see the old one or the new one). */
  replace(symbols: readonly string[]): Promise<void>;
}
