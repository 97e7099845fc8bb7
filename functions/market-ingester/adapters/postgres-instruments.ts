import type pg from 'pg';
import { PostgresInstrumentCatalog } from '../../../shared/adapters/postgres/instrument-catalog.js';
import type { InstrumentPair } from '../../../shared/domain/market/kraken-v2.js';
import type { InstrumentTarget } from '../ports.js';

/**
 * The `instruments` table the universe job reads. An unreadable pair keeps its last
 * increments (the table's constraints refuse a row without them) but loses its `online`
 * status, so the universe job stops choosing it.
 */
export class PostgresInstrumentTarget implements InstrumentTarget {
  readonly name = 'postgres';
  private readonly catalog: PostgresInstrumentCatalog;

  constructor(pool: pg.Pool) {
    this.catalog = new PostgresInstrumentCatalog(pool);
  }

  async write(pairs: readonly InstrumentPair[], unreadable: readonly string[]): Promise<void> {
    await this.catalog.upsert(pairs);
    await this.catalog.markUnreadable(unreadable);
  }
}
