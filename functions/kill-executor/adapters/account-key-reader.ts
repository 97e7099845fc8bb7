import type pg from 'pg';
import { TABLES } from '../../../shared/names.js';
import type { KrakenKeyReader } from '../ports.js';

/**
 * An account's Kraken key through `accounts.kraken_key_account`: a sub-account created to
 * trade with another account's key is cancelled with that key. No row, or no key account
 * named, reads the account's own secret.
 */
export class AccountKeyReader implements KrakenKeyReader {
  constructor(
    private readonly pool: pg.Pool,
    private readonly keys: KrakenKeyReader,
  ) {}

  async read(accountId: string) {
    const { rows } = await this.pool.query<{ key_account: string }>(
      `SELECT coalesce(kraken_key_account, account_id) AS key_account FROM ${TABLES.accounts} WHERE account_id = $1`,
      [accountId],
    );
    return this.keys.read(rows[0]?.key_account ?? accountId);
  }
}
