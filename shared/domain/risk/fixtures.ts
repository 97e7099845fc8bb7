import { randomUUID } from 'node:crypto';
import { Decimal, dec } from '../decimal.js';
import { type OrderRequest, orderRequestSchema } from '../order.js';
import { type AccountLimitsInput, type AccountRecord, parseLimits } from './limits.js';
import type { RiskState } from './state.js';

/**
 * A baseline that the rules accept: BTC/USD at 64999.5 / 65000.5 (mid 65000), an online
 * instrument, no positions, a 1,000,000 NAV account. Tests and benchmarks change one thing
 * at a time from here.
 */
export const NOW_MS = 1_790_000_000_000;

/** An order request as a strategy sends it on the wire (JSON body of POST /v1/risk/validate). */
export interface OrderBody {
  account_id: string;
  order_id: string;
  symbol: string;
  side: string;
  type: string;
  quantity: string;
  limit_price: string;
  intent: string;
}

/** A sound order body (company buys 0.1 BTC/USD limit 65000, a fresh order id), fields overridable. */
export function orderBody<O extends Record<string, unknown> = Record<never, never>>(
  overrides: O = {} as O,
): OrderBody & O {
  return {
    account_id: 'company',
    order_id: `o-${randomUUID()}`,
    symbol: 'BTC/USD',
    side: 'buy',
    type: 'limit',
    quantity: '0.1',
    limit_price: '65000',
    intent: 'open',
    ...overrides,
  };
}

export function orderFixture(overrides: Record<string, unknown> = {}): OrderRequest {
  return orderRequestSchema.parse(orderBody({ account_id: 'acct-1', order_id: 'ord-1', ...overrides }));
}

export function accountFixture(limits: Partial<AccountLimitsInput> = {}, enabled = true): AccountRecord {
  return { accountId: 'acct-1', enabled, limitsVersion: 3, limits: parseLimits({ nav: '1000000', ...limits }) };
}

export function stateFixture(overrides: Partial<RiskState> = {}): RiskState {
  return {
    instrument: {
      symbol: 'BTC/USD',
      status: 'online',
      priceIncrement: dec('0.1'),
      qtyIncrement: dec('0.00000001'),
      qtyMin: dec('0.0001'),
    },
    mark: {
      bid: dec('64999.5'),
      ask: dec('65000.5'),
      mid: dec('65000'),
      spreadBps: dec('0.153846153846153846'),
      receiveTsMs: NOW_MS - 20,
      exchangeTsMs: NOW_MS - 40,
      live: true,
    },
    reference: { price: dec('65000'), updatedAtMs: NOW_MS - 30_000 },
    breaker: null,
    killSwitches: [],
    universe: new Set(['BTC/USD', 'ETH/USD']),
    positions: new Map(),
    marks: new Map([['BTC/USD', dec('65000')]]),
    dailyRealisedPnl: Decimal.ZERO,
    dailyFees: Decimal.ZERO,
    ordersInWindow: 1,
    ...overrides,
  };
}
