import { randomUUID } from 'node:crypto';
import type { TopOfBookEvent } from './events.js';

/**
 * A top-of-book event for tests of the breakers and the market evaluator: bid = ask = mid, one
 * unit each side, Kraken's time `atMs` and received 3 ms later. The event id is unique unless
 * the test gives one (a redelivery test names the id it redelivers).
 */
export function topOfBookFixture(
  symbol: string,
  mid: string,
  atMs: number,
  options: { readonly spreadBps?: string; readonly eventId?: string } = {},
): TopOfBookEvent {
  return {
    type: 'top_of_book',
    event_id: options.eventId ?? `${symbol}:${atMs}:${randomUUID().slice(0, 6)}`,
    symbol,
    exchange_ts: new Date(atMs).toISOString(),
    receive_ts: new Date(atMs + 3).toISOString(),
    bid: mid,
    bid_qty: '1',
    ask: mid,
    ask_qty: '1',
    mid,
    spread_bps: options.spreadBps ?? '1',
  };
}
