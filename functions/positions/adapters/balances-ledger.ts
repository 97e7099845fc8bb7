import type { Redis } from 'ioredis';
import type pg from 'pg';
import { encodeBalances } from '../../../shared/adapters/redis/balances-hash.js';
import { Decimal } from '../../../shared/domain/decimal.js';
import type { BalanceEvent } from '../../../shared/domain/executions/events.js';
import { REDIS_KEYS, TABLES } from '../../../shared/names.js';
import type { AccountHoldings, BalanceOutcome, BalancesLedgerPort } from '../ports.js';

/**
 * Kraken balances in PostgreSQL, the latest per asset by Kraken's timestamp (a reconnect
 * snapshot or a Kinesis retry replaying an older balance never overwrites a newer one), and
 * the balances hash rewritten whole from there.
 */
export class BalancesLedger implements BalancesLedgerPort {
  constructor(
    private readonly pool: pg.Pool,
    private readonly redis: Redis,
  ) {}

  async apply(event: BalanceEvent): Promise<BalanceOutcome> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO ${TABLES.accountBalances} (account_id, asset, balance, occurred_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (account_id, asset) DO UPDATE
         SET balance = EXCLUDED.balance, occurred_at = EXCLUDED.occurred_at, updated_at = now()
         WHERE ${TABLES.accountBalances}.occurred_at <= EXCLUDED.occurred_at`,
      [event.account_id, event.asset, event.balance, event.occurred_at],
    );
    return rowCount ? 'applied' : 'stale';
  }

  async mirror(accountIds: Iterable<string>): Promise<void> {
    for (const accountId of accountIds) {
      const { rows } = await this.pool.query<{ asset: string; balance: string }>(
        `SELECT asset, balance::text FROM ${TABLES.accountBalances} WHERE account_id = $1 ORDER BY asset`,
        [accountId],
      );
      if (rows.length === 0) continue;
      const key = REDIS_KEYS.balances(accountId);
      const fields = encodeBalances(new Map(rows.map((r) => [r.asset, Decimal.parse(r.balance)])));
      const results = await this.redis.multi().del(key).hset(key, fields).exec();
      const failed = results?.find(([error]) => error);
      if (!results || failed) throw new Error(`balances mirror failed: ${failed?.[0]?.message ?? 'aborted'}`);
    }
  }

  async holdings(accountId: string): Promise<AccountHoldings> {
    const [balances, positions] = await Promise.all([
      this.pool.query<{ asset: string; balance: string }>(
        `SELECT asset, balance::text FROM ${TABLES.accountBalances} WHERE account_id = $1`,
        [accountId],
      ),
      this.pool.query<{ symbol: string; qty: string }>(
        `SELECT symbol, qty::text FROM ${TABLES.positions} WHERE account_id = $1`,
        [accountId],
      ),
    ]);
    return {
      balances: new Map(balances.rows.map((r) => [r.asset, Decimal.parse(r.balance)])),
      positions: new Map(positions.rows.map((r) => [r.symbol, Decimal.parse(r.qty)])),
    };
  }
}
