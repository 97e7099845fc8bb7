import type pg from 'pg';
import type { InstrumentPair } from '../../domain/market/kraken-v2.js';
import { TABLES } from '../../names.js';

/**
 * Kraken's instrument data in PostgreSQL (`instruments`, migration 001): the catalog the
 * universe job intersects with its top coins. Writes are whole batches in one statement
 * (a snapshot lists every pair Kraken trades, about a thousand), and a row whose values did
 * not change is left alone, so `updated_at` says when Kraken last changed the pair.
 */
export class PostgresInstrumentCatalog {
  constructor(private readonly pool: pg.Pool) {}

  /** Inserts or updates every pair; callers pass only pairs the instruments codec accepts. */
  async upsert(pairs: readonly InstrumentPair[]): Promise<void> {
    if (pairs.length === 0) return;
    const column = <K extends keyof InstrumentPair>(key: K) => pairs.map((p) => p[key]);
    await this.pool.query(
      `INSERT INTO ${TABLES.instruments} AS i
         (symbol, base, quote, status, price_increment, qty_increment, qty_min, price_precision, qty_precision)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::numeric[], $6::numeric[],
                            $7::numeric[], $8::integer[], $9::integer[])
       ON CONFLICT (symbol) DO UPDATE SET
         base = EXCLUDED.base, quote = EXCLUDED.quote, status = EXCLUDED.status,
         price_increment = EXCLUDED.price_increment, qty_increment = EXCLUDED.qty_increment,
         qty_min = EXCLUDED.qty_min, price_precision = EXCLUDED.price_precision,
         qty_precision = EXCLUDED.qty_precision, updated_at = now()
       WHERE (i.base, i.quote, i.status, i.price_increment, i.qty_increment, i.qty_min, i.price_precision, i.qty_precision)
             IS DISTINCT FROM
             (EXCLUDED.base, EXCLUDED.quote, EXCLUDED.status, EXCLUDED.price_increment, EXCLUDED.qty_increment,
              EXCLUDED.qty_min, EXCLUDED.price_precision, EXCLUDED.qty_precision)`,
      [
        column('symbol'),
        column('base'),
        column('quote'),
        column('status'),
        column('priceIncrement'),
        column('qtyIncrement'),
        column('qtyMin'),
        column('pricePrecision'),
        column('qtyPrecision'),
      ],
    );
  }

  /**
   * Kraken sent a pair the gate cannot read: its row stops counting as tradable (the universe
   * job takes only `online` rows) until Kraken sends it whole again.
   */
  async markUnreadable(symbols: readonly string[]): Promise<void> {
    if (symbols.length === 0) return;
    await this.pool.query(
      `UPDATE ${TABLES.instruments} SET status = '${UNREADABLE_STATUS}', updated_at = now()
        WHERE symbol = ANY($1::text[]) AND status <> '${UNREADABLE_STATUS}'`,
      [symbols],
    );
  }
}

/** The status a row gets when Kraken's latest version of the pair was unreadable. */
export const UNREADABLE_STATUS = 'unreadable';
