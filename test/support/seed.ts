import type { Redis } from 'ioredis';
import type pg from 'pg';
import { encodeUniverse } from '../../shared/adapters/redis/universe-set.js';
import { type AccountLimitsInput, parseLimits } from '../../shared/domain/risk/limits.js';
import { REDIS_KEYS, TABLES } from '../../shared/names.js';

/**
 * Seed data for local mode and tests, like the old system's: a company account and two
 * directors with different limits. Never applied to a deployed stage. Local mode's in-memory
 * state is seeded from the same data (scripts/local/memory-risk-state.ts).
 */
export interface SeedAccount {
  readonly accountId: string;
  readonly displayName: string;
  readonly kind: 'company' | 'director';
  readonly limits: AccountLimitsInput;
}

export const SEED_ACCOUNTS: readonly SeedAccount[] = [
  {
    accountId: 'company',
    displayName: 'Company book',
    kind: 'company',
    limits: { nav: '5000000' },
  },
  {
    accountId: 'director-a',
    displayName: 'Director A',
    kind: 'director',
    limits: {
      nav: '500000',
      loss_cap: '10000',
      fee_cap: '1000',
      max_order_notional: '50000',
      max_order_quantity: '5',
      var_limit: '50000',
    },
  },
  {
    accountId: 'director-b',
    displayName: 'Director B',
    kind: 'director',
    limits: {
      nav: '250000',
      loss_cap: '5000',
      fee_cap: '500',
      max_order_notional: '25000',
      max_nav_percent: '0.10',
      allowed_symbols: ['BTC/USD', 'ETH/USD'],
      max_orders_per_window: 10,
    },
  },
];

/** Kraken USD spot pairs of the seed universe, with their real increments. */
export const SEED_INSTRUMENTS = [
  {
    symbol: 'BTC/USD',
    price_increment: '0.1',
    qty_increment: '0.00000001',
    qty_min: '0.0001',
    price_precision: 1,
    qty_precision: 8,
  },
  {
    symbol: 'ETH/USD',
    price_increment: '0.01',
    qty_increment: '0.00000001',
    qty_min: '0.002',
    price_precision: 2,
    qty_precision: 8,
  },
  {
    symbol: 'SOL/USD',
    price_increment: '0.01',
    qty_increment: '0.00000001',
    qty_min: '0.02',
    price_precision: 2,
    qty_precision: 8,
  },
  {
    symbol: 'USDC/USD',
    price_increment: '0.0001',
    qty_increment: '0.00000001',
    qty_min: '5',
    price_precision: 4,
    qty_precision: 8,
  },
  {
    symbol: 'USDT/USD',
    price_increment: '0.0001',
    qty_increment: '0.00000001',
    qty_min: '5',
    price_precision: 4,
    qty_precision: 8,
  },
] as const;

/** Inserts the seed accounts and their first limits version; leaves existing ones alone. */
export async function seedPostgres(pool: pg.Pool): Promise<void> {
  for (const account of SEED_ACCOUNTS) {
    parseLimits(account.limits); // a bad seed fails here, loudly, not at the first order
    await pool.query(
      `INSERT INTO ${TABLES.accounts} (account_id, display_name, kind) VALUES ($1, $2, $3) ON CONFLICT (account_id) DO NOTHING`,
      [account.accountId, account.displayName, account.kind],
    );
    await pool.query(
      `INSERT INTO ${TABLES.accountLimits} (account_id, version, limits, created_by, reason)
       SELECT $1, 1, $2, 'seed', 'initial limits'
        WHERE NOT EXISTS (SELECT 1 FROM ${TABLES.accountLimits} WHERE account_id = $1)`,
      [account.accountId, JSON.stringify(account.limits)],
    );
  }
  for (const i of SEED_INSTRUMENTS) {
    const [base, quote] = i.symbol.split('/');
    await pool.query(
      `INSERT INTO ${TABLES.instruments} (symbol, base, quote, status, price_increment, qty_increment, qty_min, price_precision, qty_precision)
       VALUES ($1, $2, $3, 'online', $4, $5, $6, $7, $8) ON CONFLICT (symbol) DO NOTHING`,
      [i.symbol, base, quote, i.price_increment, i.qty_increment, i.qty_min, i.price_precision, i.qty_precision],
    );
  }
}

/** Instruments and universe into Redis, as the ingester and the universe job would write them. */
export async function seedRedis(redis: Redis): Promise<void> {
  const pipeline = redis.pipeline();
  for (const i of SEED_INSTRUMENTS) {
    pipeline.hset(
      REDIS_KEYS.instruments,
      i.symbol,
      JSON.stringify({
        status: 'online',
        price_increment: i.price_increment,
        qty_increment: i.qty_increment,
        qty_min: i.qty_min,
      }),
    );
  }
  pipeline.sadd(REDIS_KEYS.universe, ...encodeUniverse(SEED_INSTRUMENTS.map((i) => i.symbol)));
  await pipeline.exec();
}
