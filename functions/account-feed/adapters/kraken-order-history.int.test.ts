import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KrakenApiError, KrakenRestClient } from '../../../shared/adapters/kraken-rest.js';
import { FakeKrakenVenue } from '../../../test/fakes/kraken-private/venue.js';
import { FakeKrakenRest } from '../../../test/fakes/kraken-rest/server.js';
import { KrakenOrderHistory, readOrderInfo } from './kraken-order-history.js';

/** The QueryOrders adapter against the fake Kraken REST API (signed calls, Kraken's shapes and errors). */
describe('Class: KrakenOrderHistory', () => {
  const venue = new FakeKrakenVenue();
  const rest = new FakeKrakenRest(venue);
  let history: KrakenOrderHistory;
  let key: { apiKey: string; apiSecret: string };
  const place = (qty = '0.5') =>
    venue.addOrder(key.apiKey, { symbol: 'BTC/USD', side: 'buy', orderQty: qty, limitPrice: '65000.0' }).orderId;

  beforeAll(async () => {
    await rest.start();
    history = new KrakenOrderHistory(new KrakenRestClient(rest.url));
    key = rest.addKey(0);
  });

  afterAll(async () => {
    await rest.stop();
    venue.dispose();
  });

  it('reads status, executed volume, reason and close time of each order asked about', async () => {
    // Prepare
    const canceled = place();
    venue.fill(canceled, '0.2');
    venue.cancelOrder(key.apiKey, canceled, 'User requested');
    const expired = place();
    venue.expire(expired);
    const open = place();

    // Act
    const answer = await history.query(key, [canceled, expired, open]);

    // Assess
    expect(answer.get(canceled)).toMatchObject({ status: 'canceled', volExec: '0.20000000', reason: 'User requested' });
    expect(answer.get(expired)).toMatchObject({ status: 'expired', volExec: '0.00000000', reason: 'Order expired' });
    expect(answer.get(open)).toEqual({ status: 'open', volExec: '0.00000000', reason: null, closeTime: null });
    const closeTime = (answer.get(canceled) as { closeTime: number }).closeTime;
    expect(Math.abs(closeTime * 1000 - Date.now())).toBeLessThan(10_000);
    const calls = rest.calls.filter((c) => c.method === 'QueryOrders');
    expect(calls.at(-1)?.params).toMatchObject({ txid: [canceled, expired, open].join(','), trades: 'false' });
    expect(calls.every((c) => c.signatureValid)).toBe(true);
  });

  it('asks at most 50 ids per call, and leaves out ids Kraken does not know without losing the others', async () => {
    // Prepare
    const ids = Array.from({ length: 53 }, () => place('0.01'));
    const unknown = 'OUNKNO-WNXXX-XXXXXX';
    const callsBefore = rest.calls.filter((c) => c.method === 'QueryOrders').length;

    // Act
    const answer = await history.query(key, [...ids, unknown]);

    // Assess
    expect(answer.size).toBe(53);
    expect(answer.has(unknown)).toBe(false);
    const calls = rest.calls.filter((c) => c.method === 'QueryOrders').slice(callsBefore);
    expect(Math.max(...calls.map((c) => (c.params.txid ?? '').split(',').length))).toBe(50);
    // 50 in one call; the batch of 4 with the unknown id split until it stands alone.
    expect(calls.length).toBeLessThanOrEqual(6);
  });

  it('throws when Kraken cannot answer, so the caller leaves the orders working', async () => {
    // Prepare
    const id = place();
    rest.failNext(1);

    // Act
    const failure = await history.query(key, [id]).catch((error: unknown) => error);

    // Assess
    expect(failure).toBeInstanceOf(KrakenApiError);
    expect((failure as KrakenApiError).errors).toEqual(['EService:Unavailable']);
  });
});

describe('Function: readOrderInfo', () => {
  it('marks an entry unreadable rather than guessing its status, volume, reason or time', () => {
    // Act
    const read = [
      readOrderInfo(null),
      readOrderInfo({ status: 'settled', vol_exec: '0' }),
      readOrderInfo({ status: 'canceled', vol_exec: 0.5 }),
      readOrderInfo({ status: 'canceled', vol_exec: '0.5', reason: 7 }),
      readOrderInfo({ status: 'canceled', vol_exec: '0.5', reason: null, closetm: 'soon' }),
      readOrderInfo({ status: 'canceled', vol_exec: '0.5', reason: null, closetm: 1_790_000_000.5 }),
    ];

    // Assess
    expect(read.map((r) => (r.status === 'unreadable' ? r.problem : r.status))).toEqual([
      'entry is not an object',
      'unknown status',
      'vol_exec is not a decimal',
      'reason',
      'closetm',
      'canceled',
    ]);
  });
});
