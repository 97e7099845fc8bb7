import { describe, expect, it } from 'vitest';
import {
  cancelAllOrdersAfterRequest,
  KrakenPrivateProtocolError,
  parsePrivateFrame,
  plainDecimalText,
  subscribeExecutionsRequest,
} from './kraken-private-v2.js';

describe('Function: parsePrivateFrame', () => {
  it('keeps the exact text of every amount of a trade, trailing zeros included', () => {
    // Prepare: Kraken's documented trade shape
    const frame =
      '{"channel":"executions","type":"update","data":[{"order_id":"OK4GJX-KSTLS-7DZZO5","order_userref":3,' +
      '"exec_id":"TGBB7L-HT5LX-J3BZ4A","exec_type":"trade","trade_id":62887576,"symbol":"BTC/USD","side":"sell",' +
      '"last_qty":0.00500000,"last_price":26599.9,"liquidity_ind":"t","cost":132.9995,"order_type":"limit",' +
      '"timestamp":"2023-09-22T10:33:05.709993Z","order_status":"partially_filled","cum_qty":0.005,' +
      '"cum_cost":132.9995,"avg_price":26599.9,"fee_usd_equiv":0.3458,"fees":[{"asset":"USD","qty":0.3458}]}],"sequence":10}';

    // Act
    const parsed = parsePrivateFrame(frame);

    // Assess
    expect(parsed.kind).toBe('executions');
    if (parsed.kind !== 'executions') return;
    expect(parsed.sequence).toBe(10);
    expect(parsed.data[0]).toMatchObject({
      execType: 'trade',
      orderId: 'OK4GJX-KSTLS-7DZZO5',
      execId: 'TGBB7L-HT5LX-J3BZ4A',
      lastQty: '0.00500000',
      lastPrice: '26599.9',
      feeUsdEquiv: '0.3458',
      liquidity: 't',
      orderStatus: 'partially_filled',
    });
  });

  it('reads a bare `new` update (no symbol, side or quantity) and drops a zero stop price', () => {
    // Act
    const parsed = parsePrivateFrame(
      '{"channel":"executions","type":"update","data":[{"timestamp":"2024-05-18T12:58:51.121515Z","order_status":"new","exec_type":"new","order_userref":0,"order_id":"7J91XK-XMFEL-348VPM","stop_price":0.0}],"sequence":148}',
    );

    // Assess
    expect(parsed).toMatchObject({ kind: 'executions', data: [{ execType: 'new', orderId: '7J91XK-XMFEL-348VPM' }] });
    if (parsed.kind === 'executions') expect(parsed.data[0]?.symbol).toBeUndefined();
    if (parsed.kind === 'executions') expect(parsed.data[0]?.triggerPrice).toBeUndefined();
  });

  it('reads balances (spaces after colons, negative amounts) and method answers', () => {
    // Act
    const balances = parsePrivateFrame(
      '{"channel":"balances","type":"update","data":[{"ledger_id":"L1","asset":"USD","amount": -19.9743,"balance": 118.0677,"timestamp":"2024-05-24T14:01:53.526524Z"}],"sequence":4}',
    );
    const answer = parsePrivateFrame(
      '{"method":"cancel_all_orders_after","req_id":6,"result":{"currentTime":"2023-09-21T12:03:14Z","triggerTime":"2023-09-21T12:04:14Z"},"success":true}',
    );

    // Assess
    expect(balances).toMatchObject({ kind: 'balances', data: [{ asset: 'USD', balance: '118.0677', ledgerId: 'L1' }] });
    expect(answer).toMatchObject({ kind: 'response', method: 'cancel_all_orders_after', success: true, reqId: 6 });
  });

  it('refuses a frame that is not JSON or an execution without its order id', () => {
    expect(() => parsePrivateFrame('CloudFlare WebSocket proxy restarting')).toThrow(KrakenPrivateProtocolError);
    expect(() =>
      parsePrivateFrame('{"channel":"executions","type":"update","data":[{"exec_type":"new","timestamp":"t"}]}'),
    ).toThrow(/order_id/);
  });
});

describe('Function: plainDecimalText', () => {
  it('rewrites exponent forms without passing through a float', () => {
    expect(plainDecimalText('1e-08')).toBe('0.00000001');
    expect(plainDecimalText('2.5E3')).toBe('2500');
    expect(plainDecimalText('-1.25e1')).toBe('-12.5');
    expect(plainDecimalText('0.10000000')).toBe('0.10000000');
  });
});

describe('Function: request builders', () => {
  it('subscribes executions with the snapshot options the feed relies on', () => {
    expect(JSON.parse(subscribeExecutionsRequest('tok', 7))).toEqual({
      method: 'subscribe',
      params: { channel: 'executions', token: 'tok', snap_orders: true, snap_trades: true, order_status: true },
      req_id: 7,
    });
  });

  it('refuses a dead man switch timeout Kraken would not take', () => {
    expect(() => cancelAllOrdersAfterRequest(-1, 'tok', 1)).toThrow(RangeError);
    expect(JSON.parse(cancelAllOrdersAfterRequest(60, 'tok', 1)).params).toEqual({ timeout: 60, token: 'tok' });
  });
});
