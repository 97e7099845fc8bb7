import type pg from 'pg';
import { TABLES } from '../../../shared/names.js';
import type { UniverseVersions, UsdPairCatalog } from '../ports.js';

/** The instrument catalog and the universe history in PostgreSQL. */
export class PostgresUniverseStore implements UsdPairCatalog, UniverseVersions {
  constructor(private readonly pool: pg.Pool) {}

  async onlineUsdPairs(): Promise<{ symbol: string; base: string }[]> {
    const { rows } = await this.pool.query<{ symbol: string; base: string }>(
      `SELECT symbol, base FROM ${TABLES.instruments} WHERE quote = 'USD' AND status = 'online'`,
    );
    return rows;
  }

  async record(symbols: readonly string[], source: Readonly<Record<string, unknown>>): Promise<number> {
    const { rows } = await this.pool.query<{ version: number }>(
      `INSERT INTO ${TABLES.universeVersions} (symbols, source) VALUES ($1, $2) RETURNING version`,
      [symbols, JSON.stringify(source)],
    );
    return rows[0]?.version as number;
  }
}
