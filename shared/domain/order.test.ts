import { describe, expect, it } from 'vitest';
import { isAmend, isCancel, orderRequestSchema, riskRequestSchema } from './order.js';

const valid = {
  account_id: 'company',
  order_id: 'ord-1',
  symbol: 'BTC/USD',
  side: 'buy',
  type: 'limit',
  quantity: '0.5',
  limit_price: '65000.1',
  intent: 'open',
};

function fieldsAtFault(body: unknown): string[] {
  const result = orderRequestSchema.safeParse(body);
  return result.success ? [] : result.error.issues.map((issue) => issue.path.join('.'));
}

describe('Schema: orderRequestSchema', () => {
  it('parses amounts into exact decimals', () => {
    const order = orderRequestSchema.parse(valid);
    expect(order.quantity.toString()).toBe('0.5');
    expect(order.limit_price?.toString()).toBe('65000.1');
  });

  it('defaults intent to open', () => {
    const { intent: _omitted, ...rest } = valid;
    expect(orderRequestSchema.parse(rest).intent).toBe('open');
  });

  it.each([
    ['quantity as a JSON number', { quantity: 0.5 }, 'quantity'],
    ['zero quantity', { quantity: '0' }, 'quantity'],
    ['negative price', { limit_price: '-1' }, 'limit_price'],
    ['exponent notation', { quantity: '1e3' }, 'quantity'],
    ['v1 symbol without slash', { symbol: 'XBTUSD' }, 'symbol'],
    ['lower-case symbol', { symbol: 'btc/usd' }, 'symbol'],
    ['unknown side', { side: 'short' }, 'side'],
    ['limit order without price', { limit_price: undefined }, 'limit_price'],
    ['bad account id', { account_id: '../etc' }, 'account_id'],
    ['unknown field', { leverage: '10' }, ''],
  ])('reports %s at the field at fault', (_name, change, field) => {
    expect(fieldsAtFault({ ...valid, ...change })).toContain(field);
  });

  it('refuses a price on a market order', () => {
    expect(fieldsAtFault({ ...valid, type: 'market' })).toEqual(['limit_price']);
  });
});

describe('Schema: orderRequestSchema, Kraken order types and flags', () => {
  const stop = { ...valid, side: 'sell', type: 'stop-loss', limit_price: undefined, trigger_price: '60000' };

  it.each([
    ['market', { type: 'market', limit_price: undefined }],
    ['iceberg', { type: 'iceberg', display_qty: '0.05' }],
    ['stop-loss', stop],
    ['stop-loss-limit', { ...stop, type: 'stop-loss-limit', limit_price: '59900' }],
    ['take-profit', { ...stop, type: 'take-profit', trigger_price: '70000', trigger_reference: 'index' }],
    ['take-profit-limit', { ...stop, type: 'take-profit-limit', trigger_price: '70000', limit_price: '69900' }],
    ['trailing-stop (pct)', { ...stop, type: 'trailing-stop', trigger_price: '2', trigger_price_type: 'pct' }],
    [
      'trailing-stop-limit (quote)',
      { ...stop, type: 'trailing-stop-limit', trigger_price: '500', trigger_price_type: 'quote', limit_price: '59000' },
    ],
    ['post-only gtc limit', { post_only: true }],
    ['gtd with expiry', { time_in_force: 'gtd', expire_time: '2026-09-21T11:00:00Z' }],
    ['ioc limit', { time_in_force: 'ioc' }],
    ['reduce-only flag', { reduce_only: true, side: 'sell' }],
    ['explicit action new', { action: 'new' }],
  ])('accepts a sound %s order', (_name, change) => {
    expect(fieldsAtFault({ ...valid, ...change })).toEqual([]);
  });

  it.each([
    ['stop-loss with a limit price', { ...stop, limit_price: '59900' }, 'limit_price'],
    ['stop-loss without trigger', { ...stop, trigger_price: undefined }, 'trigger_price'],
    ['stop-loss-limit without limit', { ...stop, type: 'stop-loss-limit' }, 'limit_price'],
    ['a trigger on a limit order', { trigger_price: '60000' }, 'trigger_price'],
    [
      'a trigger reference on a market order',
      { type: 'market', limit_price: undefined, trigger_reference: 'last' },
      'trigger_reference',
    ],
    ['a trailing stop at a static price', { ...stop, type: 'trailing-stop' }, 'trigger_price_type'],
    [
      'a fixed stop with a relative trigger',
      { ...stop, trigger_price_type: 'pct', trigger_price: '5' },
      'trigger_price_type',
    ],
    [
      'a 100% trailing distance',
      { ...stop, type: 'trailing-stop', trigger_price_type: 'pct', trigger_price: '100' },
      'trigger_price',
    ],
    ['iceberg without display_qty', { type: 'iceberg' }, 'display_qty'],
    ['iceberg showing more than its size', { type: 'iceberg', display_qty: '0.6' }, 'display_qty'],
    ['iceberg showing under 1/15', { type: 'iceberg', display_qty: '0.0333' }, 'display_qty'],
    ['display_qty on a limit', { display_qty: '0.1' }, 'display_qty'],
    ['post_only on a market order', { type: 'market', limit_price: undefined, post_only: true }, 'post_only'],
    [
      'post_only on a stop-loss-limit',
      { ...stop, type: 'stop-loss-limit', limit_price: '59900', post_only: true },
      'post_only',
    ],
    ['post_only with ioc', { post_only: true, time_in_force: 'ioc' }, 'post_only'],
    ['gtd without expiry', { time_in_force: 'gtd' }, 'expire_time'],
    ['expiry without gtd', { expire_time: '2026-09-21T11:00:00Z' }, 'expire_time'],
    [
      'gtd on a market order',
      { type: 'market', limit_price: undefined, time_in_force: 'gtd', expire_time: '2026-09-21T11:00:00Z' },
      'time_in_force',
    ],
    ['the margin-only settle-position type', { type: 'settle-position' }, 'type'],
    ['an amend through the new-order schema', { action: 'amend' }, 'action'],
  ])('refuses %s at the field at fault', (_name, change, field) => {
    expect(fieldsAtFault({ ...valid, ...change })).toContain(field);
  });

  it('keeps the defaults that make an old request mean what it meant', () => {
    // Act
    const order = orderRequestSchema.parse(valid);

    // Assess
    expect([order.post_only, order.reduce_only, order.time_in_force, order.action]).toEqual([
      false,
      false,
      'gtc',
      undefined,
    ]);
  });
});

describe('Schema: riskRequestSchema', () => {
  it('tells a new order, an amend and a cancel apart', () => {
    // Prepare
    const amend = { account_id: 'company', order_id: 'ord-1', action: 'amend', symbol: 'BTC/USD', quantity: '0.3' };
    const cancel = { account_id: 'company', order_id: 'ord-1', action: 'cancel' };

    // Act
    const parsed = [valid, amend, cancel].map((body) => riskRequestSchema.parse(body));

    // Assess
    expect(parsed.map((r) => [isAmend(r), isCancel(r)])).toEqual([
      [false, false],
      [true, false],
      [false, true],
    ]);
  });

  it('refuses an amend that changes nothing', () => {
    const result = riskRequestSchema.safeParse({
      account_id: 'company',
      order_id: 'o',
      action: 'amend',
      symbol: 'BTC/USD',
    });
    expect(result.success).toBe(false);
  });

  it('refuses a cancel carrying order fields', () => {
    const result = riskRequestSchema.safeParse({
      account_id: 'company',
      order_id: 'o',
      action: 'cancel',
      quantity: '1',
    });
    expect(result.success).toBe(false);
  });
});
