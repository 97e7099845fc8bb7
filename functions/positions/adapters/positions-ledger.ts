import type { Redis } from 'ioredis';
import type pg from 'pg';
import { encodeDailyCounters, encodePositions } from '../../../shared/adapters/redis/positions-hash.js';
import { Decimal } from '../../../shared/domain/decimal.js';
import {
  addToDaily,
  applyFill,
  type Fill,
  FLAT,
  type Position,
  tradingDay,
} from '../../../shared/domain/positions/positions.js';
import { REDIS_KEYS, TABLES } from '../../../shared/names.js';
import type { FillOutcome, PositionsLedgerPort } from '../ports.js';

/**
 * Positions, realised PnL and daily counters in Postgres (the source of truth), exactly
 * once per fill id: the position row is locked, the fill id checked and inserted, the
 * position and the day's row updated, all in one transaction. Redis is a mirror written
 * with absolute values read back from Postgres, so rewriting it on a redelivery is harmless.
 */
export class PositionsLedger implements PositionsLedgerPort {
  constructor(
    private readonly pool: pg.Pool,
    private readonly redis: Redis,
    private readonly boundaryMinutes: number,
  ) {}

  async apply(fill: Fill): Promise<FillOutcome> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const outcome = await applyFillInTransaction(client, fill, this.boundaryMinutes);
      await client.query(outcome === 'applied' ? 'COMMIT' : 'ROLLBACK');
      return outcome;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      // A concurrent insert of the same fill id lost the race: it is a duplicate, not an error.
      if ((error as { code?: string }).code === '23505') return 'duplicate';
      throw error;
    } finally {
      client.release();
    }
  }

  /**
   * Rewrites the Redis mirror of these accounts from Postgres: every position (flat ones
   * removed) and the counters of the account's latest trading day, in one MULTI per account.
   */
  async mirror(accountIds: Iterable<string>): Promise<void> {
    for (const accountId of accountIds) {
      const [positions, daily] = await Promise.all([
        this.pool.query<{ symbol: string; qty: string }>(
          `SELECT symbol, qty::text FROM ${TABLES.positions} WHERE account_id = $1`,
          [accountId],
        ),
        this.pool.query<{ day: string; realised_pnl: string; fees: string }>(
          `SELECT to_char(trading_day, 'YYYY-MM-DD') AS day, realised_pnl::text, fees::text FROM ${TABLES.dailyPnl}
            WHERE account_id = $1 ORDER BY trading_day DESC LIMIT 1`,
          [accountId],
        ),
      ]);
      const multi = this.redis.multi();
      const posKey = REDIS_KEYS.positions(accountId);
      multi.del(posKey);
      const held = encodePositions(new Map(positions.rows.map((r) => [r.symbol, Decimal.parse(r.qty)])));
      if (held) multi.hset(posKey, held);
      const today = daily.rows[0];
      if (today) {
        multi.hset(
          REDIS_KEYS.dailyCounters(accountId),
          encodeDailyCounters({
            date: today.day,
            realisedPnl: Decimal.parse(today.realised_pnl),
            fees: Decimal.parse(today.fees),
          }),
        );
      }
      const results = await multi.exec();
      const failed = results?.find(([error]) => error);
      if (!results || failed) throw new Error(`positions mirror failed: ${failed?.[0]?.message ?? 'aborted'}`);
    }
  }
}

/**
 * Applies one fill inside the caller's open transaction: the position row is created and
 * locked, the fill id checked and inserted, the position and the day's row updated. Returns
 * 'duplicate' (having written nothing) when the fill id was applied before; the caller
 * commits or rolls back. Shared by legacy fill records and order events' trades, so a fill
 * moves a position the same way whichever record carried it.
 */
export async function applyFillInTransaction(
  client: pg.ClientBase,
  fill: Fill,
  boundaryMinutes: number,
): Promise<FillOutcome> {
  // Create-then-lock: the row exists for FOR UPDATE even on an account's first fill.
  await client.query(
    `INSERT INTO ${TABLES.positions} (account_id, symbol, qty, avg_entry, realised_pnl, fees, last_fill_id)
     VALUES ($1, $2, 0, 0, 0, 0, '') ON CONFLICT DO NOTHING`,
    [fill.account_id, fill.symbol],
  );
  const { rows } = await client.query<{ qty: string; avg_entry: string; realised_pnl: string; fees: string }>(
    `SELECT qty, avg_entry, realised_pnl, fees FROM ${TABLES.positions}
      WHERE account_id = $1 AND symbol = $2 FOR UPDATE`,
    [fill.account_id, fill.symbol],
  );
  const seen = await client.query(`SELECT 1 FROM ${TABLES.fills} WHERE fill_id = $1`, [fill.fill_id]);
  if (seen.rowCount) return 'duplicate';
  const row = rows[0];
  const held: Position = row
    ? {
        qty: Decimal.parse(row.qty),
        avgEntry: Decimal.parse(row.avg_entry),
        realisedPnl: Decimal.parse(row.realised_pnl),
        fees: Decimal.parse(row.fees),
      }
    : FLAT;
  const { position, realised, fee } = applyFill(held, fill);
  const day = tradingDay(Date.parse(fill.executed_at), boundaryMinutes);
  await client.query(
    `INSERT INTO ${TABLES.fills}
       (fill_id, account_id, order_id, symbol, side, qty, price, fee, realised_pnl, trading_day, executed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [
      fill.fill_id,
      fill.account_id,
      fill.order_id ?? null,
      fill.symbol,
      fill.side,
      fill.qty,
      fill.price,
      fee.toString(),
      realised.toString(),
      day,
      fill.executed_at,
    ],
  );
  await client.query(
    `UPDATE ${TABLES.positions} SET qty = $3, avg_entry = $4, realised_pnl = $5, fees = $6, last_fill_id = $7,
            updated_at = now() WHERE account_id = $1 AND symbol = $2`,
    [
      fill.account_id,
      fill.symbol,
      position.qty.toString(),
      position.avgEntry.toString(),
      position.realisedPnl.toString(),
      position.fees.toString(),
      fill.fill_id,
    ],
  );
  // Each fill lands in its own trading day's row; a late fill never touches a later day.
  const daily = addToDaily(null, day, realised, fee);
  await client.query(
    `INSERT INTO ${TABLES.dailyPnl} (account_id, trading_day, realised_pnl, fees) VALUES ($1, $2, $3, $4)
     ON CONFLICT (account_id, trading_day) DO UPDATE
       SET realised_pnl = ${TABLES.dailyPnl}.realised_pnl + EXCLUDED.realised_pnl,
           fees = ${TABLES.dailyPnl}.fees + EXCLUDED.fees, updated_at = now()`,
    [fill.account_id, day, daily.realisedPnl.toString(), daily.fees.toString()],
  );
  return 'applied';
}
