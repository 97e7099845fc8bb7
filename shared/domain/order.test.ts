import { describe, expect, it } from 'vitest';
import { orderRequestSchema } from './order.js';

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
