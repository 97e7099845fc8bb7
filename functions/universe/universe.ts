import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { CoinGeckoClient } from '../../shared/adapters/coingecko-client.js';
import { REDIS_KEYS, TABLES } from '../../shared/names.js';

export interface UniverseDeps {
  readonly client: Pick<CoinGeckoClient, 'topByMarketCap'>;
  readonly pool: pg.Pool;
  readonly redis: Redis;
  readonly topN: number;
}

/** Kraken names a few assets differently from their common tickers. */
const KRAKEN_BASE_ALIASES: Readonly<Record<string, string>> = { XBT: 'BTC', XDG: 'DOGE' };

export class EmptyUniverseError extends Error {
  override readonly name = 'EmptyUniverseError';
}

/**
 * The daily universe job: CoinGecko's top N coins by market cap intersected with Kraken's
 * online USD spot pairs (the `instruments` table), written as a new version to Postgres and
 * then swapped into the Redis set the risk API checks. An empty result is refused: to the
 * risk API an empty set means "no universe configured", which would let every symbol pass.
 */
export async function refreshUniverse(deps: UniverseDeps): Promise<{ version: number; symbols: string[] }> {
  const top = await deps.client.topByMarketCap(deps.topN);
  const { rows } = await deps.pool.query<{ symbol: string; base: string }>(
    `SELECT symbol, base FROM ${TABLES.instruments} WHERE quote = 'USD' AND status = 'online'`,
  );
  const byBase = new Map(
    rows.map((r) => [KRAKEN_BASE_ALIASES[r.base.toUpperCase()] ?? r.base.toUpperCase(), r.symbol]),
  );
  const symbols = [
    ...new Set(top.map((c) => byBase.get(c.symbol.toUpperCase())).filter((s): s is string => !!s)),
  ].sort();
  if (symbols.length === 0)
    throw new EmptyUniverseError('no CoinGecko top coin is a Kraken USD spot pair: universe left as it was');

  const inserted = await deps.pool.query<{ version: number }>(
    `INSERT INTO ${TABLES.universeVersions} (symbols, source) VALUES ($1, $2) RETURNING version`,
    [symbols, JSON.stringify({ provider: 'coingecko', top_n: deps.topN, coins: top.map((c) => c.id) })],
  );
  const staging = `${REDIS_KEYS.universe}:next`;
  const results = await deps.redis
    .multi()
    .del(staging)
    .sadd(staging, ...symbols)
    .rename(staging, REDIS_KEYS.universe)
    .exec();
  const failed = results?.find(([error]) => error);
  if (!results || failed) throw new Error(`universe publish failed: ${failed?.[0]?.message ?? 'aborted'}`);
  return { version: inserted.rows[0]?.version as number, symbols };
}
