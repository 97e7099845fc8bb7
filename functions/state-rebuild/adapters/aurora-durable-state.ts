import type pg from 'pg';
import { PostgresStateGenerations } from '../../../shared/adapters/postgres/state-generation.js';
import {
  WORKING_ORDER_COLUMNS,
  type WorkingOrderRow,
  workingOrderFromRow,
} from '../../../shared/adapters/postgres/working-order-row.js';
import { instrumentProblems } from '../../../shared/adapters/redis/instruments-hash.js';
import { BREAKER_CAUSES, type BreakerCause } from '../../../shared/domain/breakers/hysteresis.js';
import type { KillScope } from '../../../shared/domain/controls/kill-switch.js';
import { Decimal } from '../../../shared/domain/decimal.js';
import type { WorkingOrder } from '../../../shared/domain/executions/working-orders.js';
import type { InstrumentPair } from '../../../shared/domain/market/kraken-v2.js';
import { TABLES } from '../../../shared/names.js';
import type { AccountPositions, BreakerTrip, DurableState, DurableStateSource, KillSwitchLatest } from '../ports.js';

const MS = `(extract(epoch FROM %s) * 1000)::bigint::text`;
const ms = (column: string) => MS.replace('%s', column);

/**
 * What the cache must hold, read from Aurora: the kill switch log (latest engage or release
 * per scope and target), breaker events (latest per symbol and cause), instruments, the
 * latest universe, positions, each account's latest trading day, open working orders and
 * balances. One REPEATABLE READ
 * transaction, so the parts agree with each other.
 */
export class AuroraDurableState implements DurableStateSource {
  private readonly generations: PostgresStateGenerations;

  constructor(private readonly pool: pg.Pool) {
    this.generations = new PostgresStateGenerations(pool);
  }

  generation(): Promise<number> {
    return this.generations.current();
  }

  async read(): Promise<DurableState> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const kills = await client.query<{
        event_id: string;
        scope: KillScope;
        target: string;
        action: 'engage' | 'release';
        reason: string;
        actor: string;
        allow_reduce_only: boolean | null;
        at_ms: string;
      }>(
        `SELECT DISTINCT ON (scope, target) event_id::text, scope, target, action, reason, actor,
                (details->>'allow_reduce_only')::boolean AS allow_reduce_only, ${ms('at')} AS at_ms
           FROM ${TABLES.killSwitchLog} WHERE action IN ('engage', 'release')
          ORDER BY scope, target, at DESC, id DESC`,
      );
      const released = await client.query<{ event_id: string }>(
        `SELECT DISTINCT event_id::text FROM ${TABLES.killSwitchLog} WHERE action = 'release'`,
      );
      const breakers = await client.query<{ symbol: string; cause: string; reason: string; at_ms: string }>(
        `SELECT symbol, cause, reason, at_ms FROM (
           SELECT DISTINCT ON (symbol, cause) symbol, cause, tripped, reason, ${ms('occurred_at')} AS at_ms
             FROM ${TABLES.breakerEvents} WHERE cause <> 'manual'
            ORDER BY symbol, cause, occurred_at DESC, id DESC) latest
          WHERE tripped`,
      );
      const instruments = await client.query<{
        symbol: string;
        base: string;
        quote: string;
        status: string;
        price_increment: string;
        qty_increment: string;
        qty_min: string;
        price_precision: number;
        qty_precision: number;
      }>(
        `SELECT symbol, base, quote, status, price_increment::text, qty_increment::text, qty_min::text,
                price_precision, qty_precision FROM ${TABLES.instruments} ORDER BY symbol`,
      );
      const universe = await client.query<{ symbols: string[] }>(
        `SELECT symbols FROM ${TABLES.universeVersions} ORDER BY version DESC LIMIT 1`,
      );
      const positions = await client.query<{ account_id: string; symbol: string; qty: string }>(
        `SELECT account_id, symbol, qty::text FROM ${TABLES.positions} WHERE qty <> 0 ORDER BY account_id, symbol`,
      );
      const daily = await client.query<{ account_id: string; day: string; realised_pnl: string; fees: string }>(
        `SELECT DISTINCT ON (account_id) account_id, to_char(trading_day, 'YYYY-MM-DD') AS day,
                realised_pnl::text, fees::text
           FROM ${TABLES.dailyPnl} ORDER BY account_id, trading_day DESC`,
      );
      const orders = await client.query<WorkingOrderRow & { account_id: string }>(
        `SELECT account_id, ${WORKING_ORDER_COLUMNS} FROM ${TABLES.workingOrders}
          WHERE closed_at_ms IS NULL ORDER BY account_id, kraken_order_id`,
      );
      const balances = await client.query<{ account_id: string; asset: string; balance: string }>(
        `SELECT account_id, asset, balance::text FROM ${TABLES.accountBalances} ORDER BY account_id, asset`,
      );
      await client.query('COMMIT');
      return {
        killSwitches: kills.rows.map(
          (row): KillSwitchLatest => ({
            action: row.action,
            state: {
              scope: row.scope,
              target: row.target,
              engaged: row.action === 'engage',
              reason: row.reason,
              actor: row.actor,
              sinceMs: Number(row.at_ms),
              // An engage logged without the flag keeps the default of the engage schema.
              allowReduceOnly: row.allow_reduce_only ?? true,
              eventId: row.event_id,
            },
          }),
        ),
        releasedEventIds: new Set(released.rows.map((row) => row.event_id)),
        breakerTrips: breakers.rows
          .filter((row) => (BREAKER_CAUSES as readonly string[]).includes(row.cause))
          .map(
            (row): BreakerTrip => ({
              symbol: row.symbol,
              cause: row.cause as BreakerCause,
              reason: row.reason,
              atMs: Number(row.at_ms),
            }),
          ),
        instruments: instruments.rows
          .map(
            (row): InstrumentPair => ({
              symbol: row.symbol,
              base: row.base,
              quote: row.quote,
              status: row.status,
              priceIncrement: row.price_increment,
              qtyIncrement: row.qty_increment,
              qtyMin: row.qty_min,
              pricePrecision: row.price_precision,
              qtyPrecision: row.qty_precision,
            }),
          )
          // A row the codec would refuse stays out: the rules then reject its symbol, unknown.
          .filter((pair) => instrumentProblems(pair).length === 0),
        universe: universe.rows[0]?.symbols ?? null,
        accounts: accountsOf(positions.rows, daily.rows, orders.rows, balances.rows),
      };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}

function accountsOf(
  positions: readonly { account_id: string; symbol: string; qty: string }[],
  daily: readonly { account_id: string; day: string; realised_pnl: string; fees: string }[],
  orders: readonly (WorkingOrderRow & { account_id: string })[],
  balances: readonly { account_id: string; asset: string; balance: string }[],
): AccountPositions[] {
  const accounts = new Map<
    string,
    {
      positions: Map<string, Decimal>;
      daily: AccountPositions['daily'];
      workingOrders: WorkingOrder[];
      balances: Map<string, Decimal> | null;
    }
  >();
  const of = (accountId: string) => {
    let account = accounts.get(accountId);
    if (!account) {
      account = { positions: new Map(), daily: null, workingOrders: [], balances: null };
      accounts.set(accountId, account);
    }
    return account;
  };
  for (const row of positions) of(row.account_id).positions.set(row.symbol, Decimal.parse(row.qty));
  for (const row of daily) {
    of(row.account_id).daily = {
      date: row.day,
      realisedPnl: Decimal.parse(row.realised_pnl),
      fees: Decimal.parse(row.fees),
    };
  }
  for (const row of orders) of(row.account_id).workingOrders.push(workingOrderFromRow(row));
  for (const row of balances) {
    const account = of(row.account_id);
    account.balances ??= new Map();
    account.balances.set(row.asset, Decimal.parse(row.balance));
  }
  return [...accounts].map(([accountId, account]) => ({ accountId, ...account }));
}
