import { describe, expect, it } from 'vitest';
import {
  executionRecordSchema,
  fillOf,
  isBalanceEvent,
  isOrderEvent,
  type OrderEventInput,
  orderEventId,
  orderEventSchema,
} from './events.js';

const acknowledged: OrderEventInput = {
  kind: 'order',
  event_id: 'OABCDE-FGHIJ-KLMNOP:acknowledged:0.5:0:65000:2026-09-21T10:00:00.000Z',
  type: 'acknowledged',
  account_id: 'acct-1',
  cl_ord_id: 'ord-1',
  order_id: 'OABCDE-FGHIJ-KLMNOP',
  symbol: 'BTC/USD',
  side: 'buy',
  order_type: 'limit',
  order_qty: '0.5',
  cum_qty: '0',
  limit_price: '65000',
  occurred_at: '2026-09-21T10:00:00.000Z',
};

const trade: OrderEventInput = {
  ...acknowledged,
  event_id: 'TX1',
  type: 'partially_filled',
  cum_qty: '0.2',
  avg_price: '64990',
  fill: { exec_id: 'TX1', qty: '0.2', price: '64990', fee: '3.38', liquidity: 'm' },
};

function fieldsAtFault(body: unknown): string[] {
  const result = orderEventSchema.safeParse(body);
  return result.success ? [] : result.error.issues.map((issue) => issue.path.join('.'));
}

describe('Schema: orderEventSchema', () => {
  it('parses an acknowledgement and keeps amounts as decimal strings', () => {
    // Act
    const event = orderEventSchema.parse(acknowledged);

    // Assess
    expect(event.order_qty).toBe('0.5');
    expect(event.reduce_only).toBe(false);
  });

  it('parses a trade with its fill', () => {
    // Act
    const event = orderEventSchema.parse(trade);

    // Assess
    expect(event.fill).toEqual({ exec_id: 'TX1', qty: '0.2', price: '64990', fee: '3.38', liquidity: 'm' });
  });

  it('accepts an order with no client order id (an unvetted order)', () => {
    expect(fieldsAtFault({ ...acknowledged, cl_ord_id: null })).toEqual([]);
  });

  it.each([
    ['a partial fill without its trade', { ...trade, fill: undefined }, 'fill'],
    ['a trade on a cancel', { ...trade, type: 'canceled' }, 'fill'],
    ['a trade whose event id is not its exec id', { ...trade, event_id: 'other' }, 'event_id'],
    ['more filled than ordered', { ...acknowledged, cum_qty: '0.6' }, 'cum_qty'],
    ['a quantity as a JSON number', { ...acknowledged, order_qty: 0.5 }, 'order_qty'],
    ['an exponent', { ...acknowledged, limit_price: '6.5e4' }, 'limit_price'],
    ['a zero order quantity', { ...acknowledged, order_qty: '0' }, 'order_qty'],
    ['an unknown order type', { ...acknowledged, order_type: 'settle-position' }, 'order_type'],
    ['an unknown event type', { ...acknowledged, type: 'pending_new' }, 'type'],
    ['a timestamp without zone', { ...acknowledged, occurred_at: '2026-09-21T10:00:00' }, 'occurred_at'],
    ['an unknown field', { ...acknowledged, leverage: '2' }, ''],
  ])('refuses %s at the field at fault', (_name, body, field) => {
    expect(fieldsAtFault(body)).toContain(field);
  });
});

describe('Function: orderEventId', () => {
  it('gives a redelivered transition the same id and a different transition another', () => {
    // Prepare
    const event = orderEventSchema.parse(acknowledged);

    // Act
    const again = orderEventId({ ...event });
    const amended = orderEventId({ ...event, type: 'amended', order_qty: '0.4' });

    // Assess
    expect(again).toBe(orderEventId(event));
    expect(amended).not.toBe(again);
  });
});

describe('Schema: executionRecordSchema', () => {
  it('tells a legacy fill, an order event and a balance apart', () => {
    // Prepare
    const legacyFill = {
      fill_id: 'F1',
      account_id: 'acct-1',
      symbol: 'BTC/USD',
      side: 'sell',
      qty: '1',
      price: '65000',
      executed_at: '2026-09-21T10:00:00Z',
    };
    const balance = {
      kind: 'balance',
      event_id: 'b-1',
      account_id: 'acct-1',
      asset: 'USD',
      balance: '100000',
      occurred_at: '2026-09-21T10:00:00Z',
    };

    // Act
    const records = [legacyFill, trade, balance].map((r) => executionRecordSchema.parse(r));

    // Assess
    expect(records.map((r) => [isOrderEvent(r), isBalanceEvent(r)])).toEqual([
      [false, false],
      [true, false],
      [false, true],
    ]);
  });
});

describe('Schema: executionRecordSchema, malformed amounts', () => {
  // Strings Decimal.parse throws on: an exponent, a sign, NaN, too many digits, nothing.
  const malformed = ['1e3', '-1e3', '+1', 'NaN', ' 1', '1.', '', '1'.repeat(30), `0.${'1'.repeat(19)}`];
  const legacyFill = {
    fill_id: 'F1',
    account_id: 'acct-1',
    symbol: 'BTC/USD',
    side: 'sell',
    qty: '1',
    price: '65000',
    fee: '0.1',
    executed_at: '2026-09-21T10:00:00Z',
  };
  const balance = {
    kind: 'balance',
    event_id: 'b-1',
    account_id: 'acct-1',
    asset: 'USD',
    balance: '100000',
    occurred_at: '2026-09-21T10:00:00Z',
  };
  const cases: [string, () => object][] = [];
  for (const text of malformed) {
    for (const field of ['qty', 'price', 'fee'] as const) {
      cases.push([`fill ${field}=${JSON.stringify(text)}`, () => ({ ...legacyFill, [field]: text })]);
    }
    for (const field of ['order_qty', 'cum_qty', 'limit_price', 'trigger_price', 'avg_price'] as const) {
      cases.push([`order ${field}=${JSON.stringify(text)}`, () => ({ ...trade, [field]: text })]);
    }
    for (const field of ['qty', 'price', 'fee'] as const) {
      cases.push([
        `order fill.${field}=${JSON.stringify(text)}`,
        () => ({ ...trade, fill: { ...(trade.fill as object), [field]: text } }),
      ]);
    }
    cases.push([`balance=${JSON.stringify(text)}`, () => ({ ...balance, balance: text })]);
  }

  it.each(cases)('refuses %s instead of throwing', (_name, build) => {
    // Prepare
    const record = build();

    // Act
    const parse = () => executionRecordSchema.safeParse(record);

    // Assess
    expect(parse).not.toThrow();
    expect(parse().success).toBe(false);
  });
});

describe('Function: fillOf', () => {
  it('turns a trade into the fill positions apply, keyed by exec id and cl_ord_id', () => {
    // Act
    const fill = fillOf(orderEventSchema.parse(trade));

    // Assess
    expect(fill).toEqual({
      fill_id: 'TX1',
      account_id: 'acct-1',
      order_id: 'ord-1',
      symbol: 'BTC/USD',
      side: 'buy',
      qty: '0.2',
      price: '64990',
      fee: '3.38',
      executed_at: '2026-09-21T10:00:00.000Z',
    });
  });

  it('has no fill for a status event', () => {
    expect(fillOf(orderEventSchema.parse(acknowledged))).toBeNull();
  });
});
