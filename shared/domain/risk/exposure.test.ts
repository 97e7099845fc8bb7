import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Decimal, dec } from '../decimal.js';
import { amendRequestSchema } from '../order.js';
import {
  addSide,
  amendReservationId,
  countOpenOrders,
  type ExposureInputs,
  measureBeforeAfter,
  measureWorstCase,
  NO_ORDERS,
  NO_SYMBOL_ORDERS,
  type OpenOrders,
  type OrderChange,
  openOrdersNotional,
  openSide,
  type Reservation,
  reservationFromRecord,
  reservationSide,
  reservationToRecord,
  type SymbolOrders,
  sideOrdersOf,
  subtractSide,
  type WorstCase,
  worstSideValue,
} from './exposure.js';
import { accountFixture, NOW_MS, orderFixture, stateFixture } from './fixtures.js';
import type { AccountLimitsInput } from './limits.js';
import { amendReservationFor, evaluateAmend, evaluateCancel, evaluateOrder, reservationFor } from './rules.js';
import type { OpenOrder, RiskState } from './state.js';

/**
 * Issue #12: every exposure rule counts position + working + reserved. The baseline
 * (fixtures) buys 0.1 BTC/USD limit 65000 against a 65000 mid; each test adds open orders.
 */

interface Case {
  order?: Record<string, unknown>;
  state?: Partial<RiskState>;
  limits?: Partial<AccountLimitsInput>;
}

function codes({ order, state, limits }: Case = {}): string[] {
  return evaluateOrder(orderFixture(order), accountFixture(limits), stateFixture(state), NOW_MS).reasons.map(
    (r) => r.code,
  );
}

/** One symbol's open orders: `working`/`pending` per side as [qty, price, reduceOnly?]. */
type Leg = [qty: string, price: string, reduceOnly?: boolean];
function book(
  legs: { working?: { buy?: Leg; sell?: Leg }; pending?: { buy?: Leg; sell?: Leg } },
  symbol = 'BTC/USD',
): OpenOrders {
  const side = (leg?: Leg) => (leg ? sideOrdersOf(dec(leg[0]), dec(leg[1]), leg[2] ?? false) : NO_ORDERS);
  const orders: SymbolOrders = {
    working: { buy: side(legs.working?.buy), sell: side(legs.working?.sell) },
    pending: { buy: side(legs.pending?.buy), sell: side(legs.pending?.sell) },
  };
  return new Map([[symbol, orders]]);
}

const heldBtc = (qty: string) => new Map([['BTC/USD', dec(qty)]]);
const stop = { type: 'stop-loss', limit_price: undefined, trigger_price: '60000', side: 'sell' };

describe('Function: evaluateOrder, counting every order', () => {
  describe('Rule: |net exposure| / NAV counts working and reserved orders', () => {
    // NAV 48,750 x 20% = cap 9,750; the order adds 6,500, a working 0.05 adds 3,250.
    const limits = { nav: '48750', max_single_instrument_percent: '1' };
    it.each([
      ['0.05', []],
      ['0.05000001', ['NAV_LIMIT_BREACH']],
    ])('working buy %s + order 0.1 -> %j', (qty, expected) => {
      expect(codes({ limits, state: { openOrders: book({ working: { buy: [qty, '65000'] } }) } })).toEqual(expected);
    });
    it('counts a pending reservation like a working order', () => {
      const openOrders = book({ pending: { buy: ['0.05000001', '65000'] } });
      expect(codes({ limits, state: { openOrders } })).toEqual(['NAV_LIMIT_BREACH']);
    });
    it('does not let working sells offset buys: each side is worst-cased alone', () => {
      const openOrders = book({ working: { buy: ['0.05000001', '65000'], sell: ['0.05', '65000'] } });
      expect(codes({ limits, state: { openOrders } })).toEqual(['NAV_LIMIT_BREACH']);
    });
    it('values a working order at the mark when the mark is worse than its own price', () => {
      // 0.05 at 60000 = 3000 own notional, but 3250 at the 65000 mark: 3250 + 6500 = 9750
      expect(codes({ limits, state: { openOrders: book({ working: { buy: ['0.05', '60000'] } }) } })).toEqual([]);
      expect(codes({ limits, state: { openOrders: book({ working: { buy: ['0.05000001', '60000'] } }) } })).toEqual([
        'NAV_LIMIT_BREACH',
      ]);
    });
    it('rejects when an open order sits in a symbol with no mark (fail closed)', () => {
      const openOrders = book({ working: { buy: ['1', '3000'] } }, 'ETH/USD');
      expect(codes({ state: { openOrders } })).toEqual(['MARK_UNAVAILABLE']);
    });
  });

  describe('Rule: VaR, concentration and position limits count open orders', () => {
    const openOrders = book({ working: { buy: ['0.1', '65000'] } });
    it('VaR on gross 13,000 (1.645 x 5% = 1069.25)', () => {
      expect(codes({ state: { openOrders }, limits: { var_limit: '1069.25' } })).toEqual([]);
      expect(codes({ state: { openOrders }, limits: { var_limit: '1069.24' } })).toEqual(['VAR_BREACH']);
    });
    it('position quantity cap on position 0.1 + working 0.1 + order 0.1', () => {
      const state = { openOrders, positions: heldBtc('0.1') };
      expect(codes({ state, limits: { max_position_quantity: { 'BTC/USD': '0.3' } } })).toEqual([]);
      expect(codes({ state, limits: { max_position_quantity: { 'BTC/USD': '0.29999999' } } })).toEqual([
        'POSITION_LIMIT_BREACH',
      ]);
    });
    it('concentration on 13,000 in BTC/USD', () => {
      expect(codes({ state: { openOrders }, limits: { max_single_instrument_percent: '0.013' } })).toEqual([]);
      expect(codes({ state: { openOrders }, limits: { max_single_instrument_percent: '0.012999' } })).toEqual([
        'DIVERSIFICATION_BREACH',
      ]);
    });
    it('fee budget counts the fees open orders will pay', () => {
      // open 6500 + order 6500 at 26 bps = 33.8; fees so far 4966.2
      expect(codes({ state: { openOrders, dailyFees: dec('4966.2') } })).toEqual([]);
      expect(codes({ state: { openOrders, dailyFees: dec('4966.21') } })).toEqual(['FEE_BUDGET_BREACH']);
    });
  });

  describe('Rule: open orders (count and notional)', () => {
    const twoOpen = book({ working: { buy: ['0.1', '65000'] }, pending: { sell: ['0.1', '65000'] } });
    const state = { openOrders: twoOpen, positions: heldBtc('1') };
    it.each([
      [{ max_open_orders: 3 }, []],
      [{ max_open_orders: 2 }, ['MAX_OPEN_ORDERS']],
      [{ max_open_orders_per_symbol: 3 }, []],
      [{ max_open_orders_per_symbol: 2 }, ['MAX_OPEN_ORDERS_SYMBOL']],
      [{ max_open_notional: '19500' }, []],
      [{ max_open_notional: '19499.99' }, ['MAX_OPEN_NOTIONAL']],
    ])('two open + this one, limits %j -> %j', (limits, expected) => {
      expect(codes({ state, limits: { max_single_instrument_percent: '1', ...limits } })).toEqual(expected);
    });
    it('counts orders of other symbols toward the account total only', () => {
      const openOrders = new Map([...book({ working: { buy: ['1', '3000'] } }, 'ETH/USD')]);
      const marks = new Map([
        ['BTC/USD', dec('65000')],
        ['ETH/USD', dec('3000')],
      ]);
      expect(codes({ state: { openOrders, marks }, limits: { max_open_orders_per_symbol: 1 } })).toEqual([]);
      expect(codes({ state: { openOrders, marks }, limits: { max_open_orders: 1 } })).toEqual(['MAX_OPEN_ORDERS']);
    });
  });

  describe('Rule: spot holding (positions stand in until balances are known)', () => {
    it('rejects a 2 BTC market sell from an account that holds none', () => {
      expect(codes({ order: { side: 'sell', type: 'market', limit_price: undefined, quantity: '2' } })).toEqual([
        'INSUFFICIENT_HOLDING',
      ]);
    });
    it.each([
      ['0.3', []],
      ['0.30000001', ['INSUFFICIENT_HOLDING']],
    ])('holding 1, working sell 0.4, reserved sell 0.3: sell %s -> %j', (quantity, expected) => {
      const openOrders = book({ working: { sell: ['0.4', '65000'] }, pending: { sell: ['0.3', '65000'] } });
      expect(codes({ order: { side: 'sell', quantity }, state: { openOrders, positions: heldBtc('1') } })).toEqual(
        expected,
      );
    });
    it("uses Kraken's balance of the base asset once balances are known", () => {
      const balances = new Map([['BTC', dec('0.1')]]);
      expect(codes({ order: { side: 'sell' }, state: { balances, positions: heldBtc('5') } })).toEqual([]);
      expect(codes({ order: { side: 'sell', quantity: '0.2' }, state: { balances, positions: heldBtc('5') } })).toEqual(
        ['INSUFFICIENT_HOLDING'],
      );
    });
  });

  describe('Rule: spot cash (only once balances are known)', () => {
    // 0.1 x 65000 = 6500, plus 26 bps fee = 6516.9
    it.each([
      ['6516.9', []],
      ['6516.89', ['INSUFFICIENT_CASH']],
    ])('USD %s for a 6,516.90 buy -> %j', (usd, expected) => {
      expect(codes({ state: { balances: new Map([['USD', dec(usd)]]) } })).toEqual(expected);
    });
    it('subtracts working and reserved buys with their fees', () => {
      const openOrders = book({ working: { buy: ['0.1', '65000'] }, pending: { buy: ['0.1', '65000'] } });
      const balances = (usd: string) => new Map([['USD', dec(usd)]]);
      expect(codes({ state: { openOrders, balances: balances('19550.7') } })).toEqual([]);
      expect(codes({ state: { openOrders, balances: balances('19550.69') } })).toEqual(['INSUFFICIENT_CASH']);
    });
    it('counts each account at its own fee rate, whichever was evaluated before', () => {
      // 6510 USD: enough for 6500 without fees, short of 6516.9 at 26 bps.
      const state = { balances: new Map([['USD', dec('6510')]]) };
      const withFee = [] as string[][];
      for (const fee_rate_bps of ['26', '0', '26', '0']) withFee.push(codes({ state, limits: { fee_rate_bps } }));
      expect(withFee).toEqual([['INSUFFICIENT_CASH'], [], ['INSUFFICIENT_CASH'], []]);
    });
    it('does not check cash while balances are unknown', () => {
      expect(codes({ state: { balances: undefined } })).toEqual([]);
    });
  });

  describe('Rule: price bands on trigger and limit prices', () => {
    const held = { positions: heldBtc('1') };
    // trigger band 1000 bps of 65000 = 6500: 58500 is on the edge
    it.each([
      ['58500', []],
      // the reference is 65000 too, so it catches the same trigger
      ['58499.9', ['PRICE_BAND_MARK', 'PRICE_BAND_REFERENCE']],
    ])('stop-loss sell trigger %s vs mark 65000 (1000 bps) -> %j', (trigger_price, expected) => {
      const limits = { price_band_reference_bps: '2000' };
      expect(codes({ order: { ...stop, trigger_price }, state: held, limits })).toEqual(expected);
    });
    it.each([
      ['58800', []],
      ['58799.9', ['PRICE_BAND_MARK']],
    ])('stop-loss-limit limit %s vs its trigger 60000 (200 bps) -> %j', (limit_price, expected) => {
      expect(codes({ order: { ...stop, type: 'stop-loss-limit', limit_price }, state: held })).toEqual(expected);
    });
    it.each([
      ['58500', []],
      ['58499.9', ['PRICE_BAND_REFERENCE']],
    ])('trigger %s vs reference 65000 (1000 bps), mark 60000 -> %j', (trigger_price, expected) => {
      const mark = { ...stateFixture().mark!, bid: dec('59999.5'), ask: dec('60000.5'), mid: dec('60000') };
      const state = { ...held, mark, marks: new Map([['BTC/USD', dec('60000')]]) };
      const limits = { price_band_reference_bps: '2000' };
      expect(codes({ order: { ...stop, trigger_price }, state, limits })).toEqual(expected);
    });
    it('checks the trigger against the price increment', () => {
      expect(codes({ order: { ...stop, trigger_price: '60000.05' }, state: held })).toEqual(['PRICE_INCREMENT']);
    });
  });

  describe('Rule: worst-case notional per order type', () => {
    it('counts a stop-loss buy at its trigger when that is above the ask', () => {
      const result = evaluateOrder(
        orderFixture({ type: 'stop-loss', limit_price: undefined, trigger_price: '66000' }),
        accountFixture(),
        stateFixture(),
        NOW_MS,
      );
      expect([result.worstPrice?.toString(), result.worstNotional?.toString()]).toEqual(['66000', '6600']);
    });
    it('counts a take-profit sell at the touch when that is above its trigger', () => {
      const result = evaluateOrder(
        orderFixture({ ...stop, type: 'take-profit', trigger_price: '64000' }),
        accountFixture(),
        stateFixture({ positions: heldBtc('1') }),
        NOW_MS,
      );
      expect(result.worstPrice?.toString()).toBe('64999.5');
    });
    it.each([
      ['6600', []],
      ['6599.99', ['MAX_ORDER_NOTIONAL']],
    ])('stop-limit buy (trigger 65900, limit 66000) against max_order_notional %s -> %j', (cap, expected) => {
      const order = { type: 'stop-loss-limit', trigger_price: '65900', limit_price: '66000' };
      expect(codes({ order, limits: { max_order_notional: cap } })).toEqual(expected);
    });
    it('bounds a trailing stop by the touch', () => {
      const order = { ...stop, type: 'trailing-stop', trigger_price: '2', trigger_price_type: 'pct' };
      const result = evaluateOrder(
        orderFixture(order),
        accountFixture(),
        stateFixture({ positions: heldBtc('1') }),
        NOW_MS,
      );
      expect([result.decision, result.worstPrice?.toString()]).toEqual(['accept', '64999.5']);
    });
    it('prices an iceberg at its limit and checks display_qty against the lot size', () => {
      expect(codes({ order: { type: 'iceberg', display_qty: '0.01' } })).toEqual([]);
      expect(codes({ order: { type: 'iceberg', display_qty: '0.010000001' } })).toContain('QUANTITY_INCREMENT');
    });
  });

  describe('Rule: reduce-only against the position less working reduce-only orders', () => {
    const openOrders = book({ working: { sell: ['0.6', '65000', true] } });
    it.each([
      ['0.4', []],
      ['0.40000001', ['REDUCE_ONLY_EXCEEDS_POSITION', 'INSUFFICIENT_HOLDING']],
    ])('position 1, working reduce-only sell 0.6: reduce-only sell %s -> %j', (quantity, expected) => {
      const order = { side: 'sell', quantity, reduce_only: true };
      expect(codes({ order, state: { openOrders, positions: heldBtc('1') } })).toEqual(expected);
    });
    it('refuses a reduce-only order with no position to reduce', () => {
      expect(codes({ order: { reduce_only: true } })).toEqual(['REDUCE_ONLY_EXCEEDS_POSITION']);
    });
    it('exempts a genuine reduce-only order from breakers, not one already claimed by others', () => {
      const state = { breaker: { reason: 'vol' }, openOrders, positions: heldBtc('1') };
      expect(codes({ order: { side: 'sell', quantity: '0.4', intent: 'reduce' }, state })).toEqual([]);
      expect(codes({ order: { side: 'sell', quantity: '0.5', intent: 'reduce' }, state })).toEqual([
        'SYMBOL_BREAKER_TRIPPED',
        'INSUFFICIENT_HOLDING',
      ]);
    });
  });

  describe('Rule: time in force', () => {
    it.each([
      [NOW_MS + 1, []],
      [NOW_MS, ['EXPIRE_TIME_PASSED']],
    ])('gtd expiring at %i (now %i) -> %j', (expiry, expected) => {
      const order = { time_in_force: 'gtd', expire_time: new Date(expiry).toISOString() };
      expect(codes({ order })).toEqual(expected);
    });
  });
});

describe('Function: evaluateAmend', () => {
  const target: OpenOrder = {
    orderId: 'ord-1',
    symbol: 'BTC/USD',
    side: 'buy',
    type: 'limit',
    stage: 'working',
    orderQty: dec('0.1'),
    filledQty: dec('0.04'),
    limitPrice: dec('65000'),
    worstPrice: dec('65000'),
    reduceOnly: false,
  };
  // The working order's remaining 0.06 is already in the book.
  const openOrders = book({ working: { buy: ['0.06', '65000'] } });
  const amend = (changes: Record<string, unknown>) =>
    amendRequestSchema.parse({
      account_id: 'acct-1',
      order_id: 'ord-1',
      action: 'amend',
      symbol: 'BTC/USD',
      ...changes,
    });
  const run = (
    changes: Record<string, unknown>,
    limits: Partial<AccountLimitsInput> = {},
    t: OpenOrder | null = target,
  ) => evaluateAmend(amend(changes), accountFixture(limits), stateFixture({ openOrders, amendTarget: t }), NOW_MS);

  it('checks the change against the working quantity, not on top of it', () => {
    // amended to 0.2 total: remaining 0.16 x 65000 = 10,400, replacing 3,900
    const limits = { nav: '52000', max_single_instrument_percent: '1' }; // cap 10,400
    expect(run({ quantity: '0.2' }, limits).reasons).toEqual([]);
    expect(run({ quantity: '0.20000001' }, limits).reasons.map((r) => r.code)).toEqual(['NAV_LIMIT_BREACH']);
  });

  it('lets an amend that shrinks an over-limit order through', () => {
    const limits = { nav: '1000', max_single_instrument_percent: '1' };
    expect(run({ quantity: '0.05' }, limits).decision).toBe('accept');
  });

  it('checks a new price against the bands', () => {
    expect(run({ limit_price: '70000' }).reasons.map((r) => r.code)).toContain('PRICE_BAND_MARK');
  });

  it('refuses an amend of an order the gate does not know (fail closed)', () => {
    expect(run({ quantity: '0.2' }, {}, null).reasons.map((r) => r.code)).toEqual(['ORDER_NOT_FOUND']);
  });

  it('refuses an amend to a quantity already filled', () => {
    expect(run({ quantity: '0.04' }).reasons.map((r) => r.code)).toEqual(['AMEND_BELOW_FILLED']);
  });

  it('refuses an amend of a field the order type does not have', () => {
    expect(run({ trigger_price: '60000' }).reasons.map((r) => r.code)).toEqual(['AMEND_NOT_APPLICABLE']);
  });

  it('checks an amend of a pending reservation against the reservation', () => {
    const pendingTarget: OpenOrder = { ...target, stage: 'pending', filledQty: dec('0'), orderQty: dec('0.06') };
    const openPending = book({ pending: { buy: ['0.06', '65000'] } });
    const limits = accountFixture({ nav: '52000', max_single_instrument_percent: '1' });
    const evaluate = (quantity: string) =>
      evaluateAmend(
        amend({ quantity }),
        limits,
        stateFixture({ openOrders: openPending, amendTarget: pendingTarget }),
        NOW_MS,
      );
    expect(evaluate('0.16').decision).toBe('accept');
    expect(evaluate('0.16000001').reasons.map((r) => r.code)).toEqual(['NAV_LIMIT_BREACH']);
  });

  it('does not count the amended order twice against max_open_orders', () => {
    expect(run({ quantity: '0.2' }, { max_open_orders: 1 }).decision).toBe('accept');
  });
});

describe('Function: amendReservationFor', () => {
  const base: OpenOrder = {
    orderId: 'ord-1',
    symbol: 'BTC/USD',
    side: 'buy',
    type: 'limit',
    stage: 'pending',
    orderQty: dec('0.1'),
    filledQty: dec('0'),
    limitPrice: dec('65000'),
    worstPrice: dec('65000'),
    reduceOnly: false,
  };
  const amend = amendRequestSchema.parse({
    account_id: 'acct-1',
    order_id: 'ord-1',
    action: 'amend',
    symbol: 'BTC/USD',
    quantity: '0.2',
  });
  const accept = evaluateCancel();
  const accepted = { ...accept, worstPrice: dec('65000') };

  it("replaces a pending order's reservation under its own id", () => {
    const r = amendReservationFor(amend, base, accepted, 'dec-2', NOW_MS, 1000);
    expect([r?.orderId, r?.qty.toString()]).toEqual(['ord-1', '0.2']);
  });

  it('reserves the amended remainder of a working order under its amend key', () => {
    const working = { ...base, stage: 'working' as const, filledQty: dec('0.05') };
    const r = amendReservationFor(amend, working, accepted, 'dec-2', NOW_MS, 1000);
    expect([r?.orderId, r?.qty.toString()]).toEqual([amendReservationId('ord-1'), '0.15']);
  });
});

describe('Function: evaluateCancel', () => {
  it('always accepts, releasing nothing until Kraken reports the cancel', () => {
    expect(evaluateCancel()).toMatchObject({ decision: 'accept', reasons: [], worstNotional: null });
  });
});

describe('Function: reservationFor', () => {
  it('reserves the whole order at its worst price until the TTL, and survives the store', () => {
    // Prepare
    const order = orderFixture({ type: 'stop-loss-limit', trigger_price: '65900', limit_price: '66000' });
    const evaluation = evaluateOrder(order, accountFixture(), stateFixture(), NOW_MS);

    // Act
    const reservation = reservationFor(order, evaluation, 'dec-1', NOW_MS, 30_000);

    // Assess
    expect(reservation && reservationToRecord(reservation)).toEqual({
      account_id: 'acct-1',
      order_id: 'ord-1',
      decision_id: 'dec-1',
      symbol: 'BTC/USD',
      side: 'buy',
      type: 'stop-loss-limit',
      qty: '0.1',
      limit_price: '66000',
      trigger_price: '65900',
      worst_price: '66000',
      reduce_only: false,
      created_at_ms: NOW_MS,
      expires_at_ms: NOW_MS + 30_000,
    });
    expect(reservationFromRecord(reservationToRecord(reservation!))).toEqual(reservation);
  });

  it('reserves nothing for a reject', () => {
    const order = orderFixture({ quantity: '1000' });
    const evaluation = evaluateOrder(order, accountFixture(), stateFixture(), NOW_MS);
    expect(reservationFor(order, evaluation, 'dec-1', NOW_MS, 30_000)).toBeNull();
  });
});

describe('Property: accepted orders never push the worst case past a limit', () => {
  const limits = {
    nav: '100000',
    max_nav_percent: '0.2',
    max_single_instrument_percent: '0.15',
    max_open_notional: '40000',
    max_order_notional: '250000',
    var_limit: '1000',
    max_open_orders: 12,
  } satisfies Partial<AccountLimitsInput>;
  const caps = { net: dec('20000'), symbol: dec('15000'), open: dec('40000'), gross: dec('1000').div(dec('0.08225')) };

  const orderArb = fc.record({
    symbol: fc.constantFrom('BTC/USD', 'ETH/USD'),
    side: fc.constantFrom('buy', 'sell'),
    type: fc.constantFrom('limit', 'market', 'stop-loss', 'take-profit-limit'),
    ticks: fc.integer({ min: 1, max: 4000 }),
    offsetBps: fc.integer({ min: -150, max: 150 }),
  });

  it('holds for any sequence when each decision sees the previous reservations', () => {
    fc.assert(
      fc.property(fc.array(orderArb, { maxLength: 25 }), (orders) => {
        const mids = new Map([
          ['BTC/USD', dec('65000')],
          ['ETH/USD', dec('3000')],
        ]);
        const positions = new Map([
          ['BTC/USD', dec('0.05')],
          ['ETH/USD', dec('1')],
        ]);
        let openOrders = new Map<string, SymbolOrders>();
        const account = accountFixture(limits);
        for (const [i, o] of orders.entries()) {
          const mid = mids.get(o.symbol)!;
          const increment = o.symbol === 'BTC/USD' ? dec('0.1') : dec('0.01');
          const price = mid.add(mid.mul(Decimal.fromInteger(o.offsetBps)).div(dec('10000'))).round(1, 'down');
          const body: Record<string, unknown> = {
            order_id: `o-${i}`,
            symbol: o.symbol,
            side: o.side,
            type: o.type,
            quantity: dec('0.001').mul(Decimal.fromInteger(o.ticks)).toString(),
            limit_price: o.type === 'market' || o.type === 'stop-loss' ? undefined : price.toString(),
            trigger_price: o.type === 'limit' || o.type === 'market' ? undefined : price.toString(),
          };
          const order = orderFixture(body);
          const spread = increment.mul(dec('5'));
          const state = stateFixture({
            instrument: { ...stateFixture().instrument!, symbol: o.symbol, priceIncrement: increment },
            mark: { ...stateFixture().mark!, bid: mid.sub(spread), ask: mid.add(spread), mid },
            reference: { price: mid, updatedAtMs: NOW_MS },
            universe: null,
            positions,
            marks: mids,
            openOrders,
          });
          const evaluation = evaluateOrder(order, account, state, NOW_MS);
          const reservation = reservationFor(order, evaluation, `d-${i}`, NOW_MS, 30_000);
          if (reservation) openOrders = withReservation(openOrders, reservation);
        }
        const worst = measureWorstCase({ positions, openOrders, marks: mids }, 'BTC/USD', dec('65000'));
        expect(worst).not.toBeNull();
        expect(worst!.net.lte(caps.net)).toBe(true);
        expect(worst!.openNotional.lte(caps.open)).toBe(true);
        expect(worst!.gross.lte(caps.gross)).toBe(true);
        for (const symbol of mids.keys()) {
          const s = measureWorstCase({ positions, openOrders, marks: mids }, symbol, mids.get(symbol)!);
          expect(s!.symbolValue.lte(caps.symbol)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});

function withReservation(open: Map<string, SymbolOrders>, r: Reservation): Map<string, SymbolOrders> {
  const current = open.get(r.symbol) ?? NO_SYMBOL_ORDERS;
  const next = new Map(open);
  next.set(r.symbol, {
    ...current,
    pending: { ...current.pending, [r.side]: addSide(current.pending[r.side], reservationSide(r)) },
  });
  return next;
}

/**
 * measureWorstCase as it was before the single-pass rewrite (a Set of every symbol, each
 * measured in turn): the reference the rewrite and measureBeforeAfter are held to.
 */
function referenceWorstCase(
  inputs: ExposureInputs,
  symbol: string,
  symbolPrice: Decimal,
  add: readonly OrderChange[] = [],
  remove: readonly OrderChange[] = [],
): WorstCase | null {
  const symbols = new Set<string>([symbol, ...inputs.positions.keys(), ...(inputs.openOrders?.keys() ?? [])]);
  let netUpper = Decimal.ZERO;
  let netLower = Decimal.ZERO;
  let gross = Decimal.ZERO;
  let openNotional = Decimal.ZERO;
  let symbolValue = Decimal.ZERO;
  let symbolQty = Decimal.ZERO;
  for (const s of symbols) {
    const position = inputs.positions.get(s) ?? Decimal.ZERO;
    let buys = openSide(inputs.openOrders?.get(s), 'buy');
    let sells = openSide(inputs.openOrders?.get(s), 'sell');
    for (const change of add) {
      if (change.symbol !== s) continue;
      if (change.side === 'buy') buys = addSide(buys, change.orders);
      else sells = addSide(sells, change.orders);
    }
    for (const change of remove) {
      if (change.symbol !== s) continue;
      if (change.side === 'buy') buys = subtractSide(buys, change.orders);
      else sells = subtractSide(sells, change.orders);
    }
    if (s !== symbol && position.isZero() && buys.qty.isZero() && sells.qty.isZero()) continue;
    const price = s === symbol ? symbolPrice : inputs.marks.get(s);
    if (!price) return null;
    const held = position.mul(price);
    const buyValue = worstSideValue(buys, price);
    const sellValue = worstSideValue(sells, price);
    const upper = held.add(buyValue);
    const lower = held.sub(sellValue);
    netUpper = netUpper.add(upper);
    netLower = netLower.add(lower);
    const worse = Decimal.max(upper.abs(), lower.abs());
    gross = gross.add(worse);
    openNotional = openNotional.add(buyValue).add(sellValue);
    if (s === symbol) {
      symbolValue = worse;
      symbolQty = Decimal.max(position.add(buys.qty).abs(), position.sub(sells.qty).abs());
    }
  }
  return { net: Decimal.max(netUpper.abs(), netLower.abs()), gross, symbolValue, symbolQty, openNotional };
}

describe('Function: measureBeforeAfter (one pass over the other symbols)', () => {
  const SYMBOLS = ['BTC/USD', 'ETH/USD', 'SOL/USD', 'XRP/USD'] as const;
  const amount = (maxUnits: number, digits: number) =>
    fc.integer({ min: 0, max: maxUnits }).map((n) => Decimal.fromInteger(n).div(Decimal.fromInteger(10 ** digits)));
  const side = fc.record({
    qty: amount(5_000, 3),
    notional: amount(50_000_000, 2),
    count: fc.integer({ min: 0, max: 5 }),
    reduceOnlyQty: amount(1_000, 3),
  });
  const symbolOrders = fc.record({
    working: fc.record({ buy: side, sell: side }),
    pending: fc.record({ buy: side, sell: side }),
  });
  const book = fc.record({
    positions: fc.dictionary(
      fc.constantFrom(...SYMBOLS),
      fc.integer({ min: -5_000, max: 5_000 }).map((n) => Decimal.fromInteger(n).div(Decimal.fromInteger(100))),
    ),
    openOrders: fc.option(fc.dictionary(fc.constantFrom(...SYMBOLS), symbolOrders), { nil: undefined }),
    // A mark may be missing: the measure is then null for every symbol that needs it.
    marks: fc.dictionary(fc.constantFrom(...SYMBOLS), amount(10_000_000, 2)),
    symbol: fc.constantFrom(...SYMBOLS),
    symbolPrice: amount(10_000_000, 1).map((p) => p.add(Decimal.ONE)),
    orderSide: fc.constantFrom('buy' as const, 'sell' as const),
    qty: amount(10_000, 4),
    replaced: fc.option(fc.tuple(amount(10_000, 4), amount(10_000_000, 1)), { nil: null }),
  });

  it('equals measureWorstCase before and after the change, and the reference measure', () => {
    fc.assert(
      fc.property(book, (b) => {
        const inputs: ExposureInputs = {
          positions: new Map(Object.entries(b.positions)),
          openOrders: b.openOrders ? new Map(Object.entries(b.openOrders)) : undefined,
          marks: new Map(Object.entries(b.marks)),
        };
        const add: OrderChange = {
          symbol: b.symbol,
          side: b.orderSide,
          orders: sideOrdersOf(b.qty, b.symbolPrice, false),
        };
        const remove: OrderChange | null = b.replaced
          ? { symbol: b.symbol, side: b.orderSide, orders: sideOrdersOf(b.replaced[0], b.replaced[1], false) }
          : null;
        const both = measureBeforeAfter(inputs, b.symbol, b.symbolPrice, add, remove);
        const before = referenceWorstCase(inputs, b.symbol, b.symbolPrice);
        const after = referenceWorstCase(inputs, b.symbol, b.symbolPrice, [add], remove ? [remove] : []);
        expect(measureWorstCase(inputs, b.symbol, b.symbolPrice)).toEqual(before);
        expect(measureWorstCase(inputs, b.symbol, b.symbolPrice, [add], remove ? [remove] : [])).toEqual(after);
        if (before === null) expect(both).toBeNull();
        else expect(both).toEqual({ before, after });
      }),
      { numRuns: 500 },
    );
  });

  it('is null when a held symbol other than the measured one has no mark', () => {
    const inputs: ExposureInputs = {
      positions: new Map([['ETH/USD', dec('1')]]),
      openOrders: undefined,
      marks: new Map(),
    };
    const add: OrderChange = { symbol: 'BTC/USD', side: 'buy', orders: sideOrdersOf(dec('1'), dec('65000'), false) };
    expect(measureBeforeAfter(inputs, 'BTC/USD', dec('65000'), add, null)).toBeNull();
    expect(
      measureBeforeAfter({ ...inputs, marks: new Map([['ETH/USD', dec('3000')]]) }, 'BTC/USD', dec('65000'), add, null),
    ).not.toBeNull();
  });
});

describe('Function: countOpenOrders and openOrdersNotional', () => {
  it('count and sum working plus pending of both sides, per symbol and in total', () => {
    const side = (count: number, notional: string) => ({ ...NO_ORDERS, count, notional: dec(notional) });
    const open: OpenOrders = new Map<string, SymbolOrders>([
      [
        'BTC/USD',
        { working: { buy: side(1, '10'), sell: side(2, '20.5') }, pending: { buy: side(3, '1'), sell: NO_ORDERS } },
      ],
      ['ETH/USD', { working: { buy: NO_ORDERS, sell: NO_ORDERS }, pending: { buy: NO_ORDERS, sell: side(4, '0.25') } }],
    ]);
    expect(countOpenOrders(open, 'BTC/USD')).toEqual({ total: 10, symbol: 6 });
    expect(countOpenOrders(open, 'SOL/USD')).toEqual({ total: 10, symbol: 0 });
    expect(countOpenOrders(undefined, 'BTC/USD')).toEqual({ total: 0, symbol: 0 });
    expect(openOrdersNotional(open).toString()).toBe('31.75');
    expect(openOrdersNotional(undefined).isZero()).toBe(true);
  });
});
