import { describe, expect, it } from 'vitest';
import type { PublishedUniverse, RankedCoin, UniverseVersions, UsdPairCatalog } from './ports.js';
import { EmptyUniverseError, refreshUniverse, type UniverseDeps } from './universe.js';

class MemoryUniverse implements UniverseVersions, PublishedUniverse {
  readonly versions: { symbols: readonly string[]; source: Readonly<Record<string, unknown>> }[] = [];
  live: readonly string[] = ['OLD/USD'];
  async record(symbols: readonly string[], source: Readonly<Record<string, unknown>>): Promise<number> {
    this.versions.push({ symbols, source });
    return this.versions.length;
  }
  async replace(symbols: readonly string[]): Promise<void> {
    this.live = symbols;
  }
}

const catalog: UsdPairCatalog = {
  onlineUsdPairs: async () => [
    { symbol: 'BTC/USD', base: 'XBT' },
    { symbol: 'DOGE/USD', base: 'XDG' },
    { symbol: 'ETH/USD', base: 'eth' },
  ],
};

function deps(top: RankedCoin[], universe: MemoryUniverse): UniverseDeps {
  return {
    coins: { topByMarketCap: async (count) => top.slice(0, count) },
    catalog,
    versions: universe,
    published: universe,
    topN: 10,
  };
}

describe('Function: refreshUniverse', () => {
  it("matches CoinGecko tickers to Kraken's own base names, versions the result, then publishes it", async () => {
    // Prepare
    const universe = new MemoryUniverse();
    const top = [
      { id: 'dogecoin', symbol: 'DOGE' },
      { id: 'bitcoin', symbol: 'btc' },
      { id: 'tether', symbol: 'usdt' },
    ];

    // Act
    const result = await refreshUniverse(deps(top, universe));

    // Assess
    expect(result).toEqual({ version: 1, symbols: ['BTC/USD', 'DOGE/USD'] });
    expect(universe.live).toEqual(['BTC/USD', 'DOGE/USD']);
    expect(universe.versions[0]?.source).toEqual({
      provider: 'coingecko',
      top_n: 10,
      coins: ['dogecoin', 'bitcoin', 'tether'],
    });
  });

  it('refuses an empty universe and keeps the live one', async () => {
    // Prepare
    const universe = new MemoryUniverse();

    // Act
    const refresh = refreshUniverse(deps([{ id: 'tether', symbol: 'usdt' }], universe));

    // Assess
    await expect(refresh).rejects.toBeInstanceOf(EmptyUniverseError);
    expect(universe.live).toEqual(['OLD/USD']);
    expect(universe.versions).toEqual([]);
  });
});
