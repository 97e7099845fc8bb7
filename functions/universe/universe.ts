import type { PublishedUniverse, TopCoinsSource, UniverseVersions, UsdPairCatalog } from './ports.js';

export interface UniverseDeps {
  readonly coins: TopCoinsSource;
  readonly catalog: UsdPairCatalog;
  readonly versions: UniverseVersions;
  readonly published: PublishedUniverse;
  readonly topN: number;
}

/** Kraken names a few assets differently from their common tickers. */
const KRAKEN_BASE_ALIASES: Readonly<Record<string, string>> = { XBT: 'BTC', XDG: 'DOGE' };

export class EmptyUniverseError extends Error {
  override readonly name = 'EmptyUniverseError';
}

/**
 * The daily universe job: the provider's top N coins by market cap intersected with Kraken's
 * online USD spot pairs, written as a new version to the history and then swapped into the
 * live universe the risk API checks. An empty result is refused: to the risk API an empty
 * set means "no universe configured", which would let every symbol pass.
 */
export async function refreshUniverse(deps: UniverseDeps): Promise<{ version: number; symbols: string[] }> {
  const top = await deps.coins.topByMarketCap(deps.topN);
  const pairs = await deps.catalog.onlineUsdPairs();
  const byBase = new Map(
    pairs.map((p) => [KRAKEN_BASE_ALIASES[p.base.toUpperCase()] ?? p.base.toUpperCase(), p.symbol]),
  );
  const symbols = [
    ...new Set(top.map((c) => byBase.get(c.symbol.toUpperCase())).filter((s): s is string => !!s)),
  ].sort();
  if (symbols.length === 0)
    throw new EmptyUniverseError('no CoinGecko top coin is a Kraken USD spot pair: universe left as it was');

  const version = await deps.versions.record(symbols, {
    provider: 'coingecko',
    top_n: deps.topN,
    coins: top.map((c) => c.id),
  });
  await deps.published.replace(symbols);
  return { version, symbols };
}
