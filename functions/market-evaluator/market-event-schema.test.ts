import { describe, expect, it } from 'vitest';
import { acceptMarketEvent, decodeMarketEvent, marketEventSchema, PoisonRecordError } from './market-event-schema.js';

/**
 * The hand-written accept path (acceptMarketEvent) against the zod schema it copies: the
 * same answer (accept or refuse) and the same output for valid events and for every
 * mutation of them below, so decodeMarketEvent refuses exactly what the schema refuses.
 */
const VALID: Record<string, unknown>[] = [
  {
    type: 'top_of_book',
    event_id: 'kraken:tob:BTC/USD:2026-11-22T22:53:15.294000Z:3732539264',
    symbol: 'BTC/USD',
    exchange_ts: '2026-11-22T22:53:15.294Z',
    receive_ts: '2026-12-03T13:34:41.611Z',
    bid: '65282.9',
    bid_qty: '4.26230000',
    ask: '65283.3',
    ask_qty: '2.63300000',
    mid: '65283.10',
    spread_bps: '0.0613',
  },
  {
    type: 'trade',
    event_id: 'kraken:trade:BTC/USD:1000001',
    symbol: 'BTC/USD',
    exchange_ts: '2026-11-22T22:53:15.386Z',
    receive_ts: '2026-12-03T13:34:41.614Z',
    trade_id: 1000001,
    side: 'sell',
    price: '65282.9',
    qty: '0.50274686',
  },
  {
    type: 'ticker',
    event_id: 'kraken:ticker:USDC/USD:9',
    symbol: 'USDC/USD',
    exchange_ts: null,
    receive_ts: '2026-12-03T13:34:41+01:00',
    last: '1.0001',
    bid: '0.9999',
    ask: '1.0002',
    volume: '123456.5',
    vwap: '1',
  },
];

/** Values each field is set to in turn: right and wrong types, edges of every pattern. */
const ODD_VALUES: unknown[] = [
  null,
  true,
  0,
  -0,
  1,
  -1,
  1.5,
  2 ** 53 - 1,
  2 ** 53,
  -(2 ** 53),
  1e21,
  [],
  ['1'],
  {},
  '',
  ' ',
  '1',
  '0',
  '0.0',
  '00',
  '01.10',
  '-1',
  '-0',
  '-0.5',
  '+1',
  '1e3',
  '1.',
  '.5',
  '1.5 ',
  'abc',
  '١',
  '0.000000000000000001',
  '0.0000000000000000001',
  `${'9'.repeat(24)}.${'9'.repeat(18)}`,
  '9'.repeat(25),
  'NaN',
  'Infinity',
  'x'.repeat(256),
  'x'.repeat(257),
  'BTC/USD',
  'USDC/USD',
  'btc/usd',
  'BTCUSD',
  `${'A'.repeat(16)}/${'B'.repeat(16)}`,
  `${'A'.repeat(17)}/USD`,
  'BTC/USD\n',
  'buy',
  'sell',
  'Buy',
  'top_of_book',
  'trade',
  'ticker',
  '2026-12-03T13:34:41.611Z',
  '2026-12-03T13:34:41Z',
  '2026-12-03T13:34:41.123456789Z',
  '2026-12-03T13:34:41.611+05:30',
  '2026-12-03T13:34:41.611-24:00',
  '2026-12-03T13:34Z',
  '2026-12-03T24:00:00Z',
  '2026-12-03 13:34:41Z',
  '2026-12-03T13:34:41',
  '2026-12-03',
  '2024-02-29T00:00:00Z',
  '2026-02-29T00:00:00Z',
  '2000-02-29T00:00:00Z',
  '1900-02-29T00:00:00Z',
  '2026-04-31T00:00:00Z',
];

function mutations(): unknown[] {
  const out: unknown[] = [null, 1, 'x', [], [VALID[0]], {}];
  for (const valid of VALID) {
    out.push({ ...valid, extra: 'kept out' }, { ...valid, __proto__: { mid: '1' } });
    for (const key of [...Object.keys(valid), 'trade_id', 'mid', 'last']) {
      const { [key]: _dropped, ...without } = valid;
      out.push(without);
      for (const value of ODD_VALUES) out.push({ ...valid, [key]: value });
    }
  }
  return out;
}

describe('Function: acceptMarketEvent', () => {
  it('gives the zod schema answer, and its output, for valid events and every mutation of them', () => {
    // Prepare
    const inputs = [...VALID, ...mutations()];
    let accepted = 0;

    for (const input of inputs) {
      // Act
      const fast = acceptMarketEvent(input);
      const reference = marketEventSchema.safeParse(input);

      // Assess
      expect({ input, accepted: fast !== undefined }).toEqual({ input, accepted: reference.success });
      if (fast !== undefined) {
        accepted++;
        expect(JSON.stringify(fast)).toBe(JSON.stringify(reference.data));
        expect(fast).not.toBe(input);
      }
    }
    expect(accepted).toBeGreaterThan(VALID.length);
    expect(accepted).toBeLessThan(inputs.length / 2);
  });
});

describe('Function: decodeMarketEvent', () => {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');
  const refusal = (data: string): string => {
    try {
      decodeMarketEvent(data);
    } catch (error) {
      expect(error).toBeInstanceOf(PoisonRecordError);
      return (error as Error).message;
    }
    throw new Error('accepted');
  };

  it('returns the event with the schema keys only', () => {
    // Act
    const event = decodeMarketEvent(encode({ ...VALID[1], extra: 1 }));

    // Assess
    expect(event).toEqual(VALID[1]);
  });

  it('refuses what is not JSON, and what the schema refuses with its first issue', () => {
    // Assess
    expect(refusal(Buffer.from('{"type":').toString('base64'))).toBe('not JSON');
    expect(refusal(encode({ ...VALID[0], mid: '0.00' }))).toBe('not a market event: mid mid must be > 0');
    expect(refusal(encode({ ...VALID[1], trade_id: 1.5 }))).toBe(
      'not a market event: trade_id Invalid input: expected int, received number',
    );
    expect(refusal(encode([1]))).toMatch(/^not a market event: \(root\) /);
    expect(refusal(encode({ ...VALID[2], type: 'candle' }))).toMatch(/^not a market event: type /);
  });
});
