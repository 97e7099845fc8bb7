import type { AccountLimitsInput } from '../../shared/domain/risk/limits.js';
import { FAKE_PAIRS } from '../../test/fakes/kraken-ws/market-sim.js';

/**
 * Everything local mode starts from that no stage producer writes for it: the one place it
 * is named. On stores local mode seeds NOTHING into PostgreSQL or Redis: each key the risk
 * API reads has its stage producer running here (docs/architecture.md):
 * - instruments (hash and table): the market ingester, from the fake Kraken's `instrument` channel;
 * - marks: the market ingester, from the fake Kraken's books;
 * - universe: the universe job, against the fake CoinGecko below and the instruments table;
 * - reference prices and symbol breakers: the reference-prices job, against the fake CoinGecko;
 * - breaker_config defaults: migration 004 (as in a stage);
 * - partitions beyond the migrations' days: the partition-maintenance job;
 * - state epoch: the state rebuild at start;
 * - accounts and limits: the admin API, onboarded by {@link onboardLocalAccounts} as an operator would;
 * - positions, books, balances, account feed health: the account feed and positions consumer (LOCAL_TRADING=on).
 *
 * What remains is below, each with why a stage has no producer for it. Never used in a stage.
 */

/**
 * The demo accounts an operator onboards at start (create with first limits, a second person
 * applies them). Stands in for the operator: a stage's accounts come from its risk managers.
 */
export interface LocalAccount {
  readonly accountId: string;
  readonly displayName: string;
  readonly kind: 'company' | 'director';
  readonly limits: AccountLimitsInput;
}

export const LOCAL_ACCOUNTS: readonly LocalAccount[] = [
  { accountId: 'company', displayName: 'Company book', kind: 'company', limits: { nav: '5000000' } },
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

/** The two risk managers of the onboarding: the proposer and a different approver. */
export const LOCAL_OPERATORS = { proposer: 'local-operator-a', approver: 'local-operator-b' } as const;

/**
 * The symbols local mode trades, with the CoinGecko coin behind each. Stands in for the
 * market itself: a stage's Kraken and CoinGecko list these; the fakes list what we tell them.
 * Market caps order the fake's /coins/markets (the universe job takes the top N).
 */
export const LOCAL_COINS: readonly { symbol: string; coinId: string; coinSymbol: string; marketCap: number }[] = [
  { symbol: 'BTC/USD', coinId: 'bitcoin', coinSymbol: 'btc', marketCap: 1_280_000_000_000 },
  { symbol: 'ETH/USD', coinId: 'ethereum', coinSymbol: 'eth', marketCap: 360_000_000_000 },
  { symbol: 'USDT/USD', coinId: 'tether', coinSymbol: 'usdt', marketCap: 110_000_000_000 },
  { symbol: 'SOL/USD', coinId: 'solana', coinSymbol: 'sol', marketCap: 70_000_000_000 },
  { symbol: 'USDC/USD', coinId: 'usd-coin', coinSymbol: 'usdc', marketCap: 33_000_000_000 },
];

export const LOCAL_TRADED_SYMBOLS: readonly string[] = LOCAL_COINS.map((c) => c.symbol);

/** Kraken's price precision of a local symbol: the fake Kraken's catalog, which its instrument channel sends. */
export function localPricePrecision(symbol: string): number {
  return FAKE_PAIRS[symbol]?.pricePrecision ?? 2;
}

/**
 * RISK_STATE=memory only: the instruments the ingester would have written from the fake
 * Kraken's catalog (same increments as its `instrument` channel). Memory mode runs no stores,
 * hence no producers: this is its whole state, and its accounts are {@link LOCAL_ACCOUNTS}.
 */
export function memoryInstruments(): {
  symbol: string;
  priceIncrement: string;
  qtyIncrement: string;
  qtyMin: string;
}[] {
  const units = (digits: number) => (digits === 0 ? '1' : `0.${'0'.repeat(digits - 1)}1`);
  return LOCAL_TRADED_SYMBOLS.map((symbol) => {
    const pair = FAKE_PAIRS[symbol];
    if (!pair) throw new Error(`the fake Kraken lists no ${symbol}`);
    return {
      symbol,
      priceIncrement: units(pair.pricePrecision),
      qtyIncrement: units(pair.qtyPrecision),
      // The fake's instrument channel sends qty_min 0.0001 for every pair.
      qtyMin: '0.0001',
    };
  });
}
