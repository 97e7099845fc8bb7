import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { type KrakenCredentials, KrakenRestClient } from '../../shared/adapters/kraken-rest.js';
import { decodeMark } from '../../shared/adapters/redis/mark-hash.js';
import { Decimal } from '../../shared/domain/decimal.js';
import { REDIS_KEYS, ROUTES } from '../../shared/names.js';

/**
 * A small trading strategy for local mode, doing what a real one must: every few seconds it
 * asks the gate (`POST /v1/risk/validate` over HTTP, like any client) and places only the
 * accepted orders on Kraken (the local fake, REST AddOrder) with `cl_ord_id` = the validated
 * `order_id`, which is how the account feed finds the decision behind each execution.
 *
 * Most orders cross the spread (the local Kraken fills them at the touch); every fourth one
 * rests below/above the market and is canceled after a while, so every lifecycle the
 * positions consumer handles (fills, partial fills, cancels releasing their reservation)
 * happens within a minute. Never used in a deployed stage.
 */
export interface DemoOrderOutcome {
  readonly accountId: string;
  readonly orderId: string;
  readonly decision: 'accept' | 'reject' | 'error';
  readonly detail: string;
}

export interface DemoStrategyOptions {
  /** Base URL of local mode's HTTP server. */
  readonly gateUrl: string;
  readonly krakenRestUrl: string;
  readonly redis: Redis;
  /** The accounts it trades, with their keys on the local Kraken. */
  readonly credentials: ReadonlyMap<string, KrakenCredentials>;
  /** Symbol -> quantity per order and price digits. */
  readonly book: readonly { symbol: string; quantity: string; pricePrecision: number }[];
  readonly intervalMs: number;
  /** How long a resting order lives before the strategy cancels it. @default 8000 */
  readonly cancelAfterMs?: number;
  readonly onOrder?: (outcome: DemoOrderOutcome) => void;
}

const SIDES = ['buy', 'buy', 'sell'] as const;
const RESTING_OFFSET = Decimal.parse('0.01');

export function startDemoStrategy(options: DemoStrategyOptions): () => Promise<void> {
  const kraken = new KrakenRestClient(options.krakenRestUrl);
  const accounts = [...options.credentials.keys()];
  const timers = new Set<NodeJS.Timeout>();
  let round = 0;
  let inFlight: Promise<void> = Promise.resolve();
  let stopped = false;

  const placeOne = async (): Promise<void> => {
    const n = round++;
    const accountId = accounts[n % accounts.length];
    const instrument = options.book[Math.floor(n / accounts.length) % options.book.length];
    if (!accountId || !instrument) return;
    const credentials = options.credentials.get(accountId) as KrakenCredentials;
    const mark = decodeMark(await options.redis.hgetall(REDIS_KEYS.mark(instrument.symbol)));
    if (!mark?.live) return;
    // One side per sweep over every account and symbol: two buying sweeps, then one selling
    // back, so positions grow and partly close (realised PnL moves too).
    const side = SIDES[Math.floor(n / (accounts.length * options.book.length)) % SIDES.length] ?? 'buy';
    const resting = n % 4 === 3;
    // Crossing: at the far touch. Resting: 1% away from the near touch, so it never fills.
    const price = resting
      ? side === 'buy'
        ? mark.bid.sub(mark.bid.mul(RESTING_OFFSET))
        : mark.ask.add(mark.ask.mul(RESTING_OFFSET))
      : side === 'buy'
        ? mark.ask
        : mark.bid;
    const orderId = randomUUID();
    const order = {
      account_id: accountId,
      order_id: orderId,
      symbol: instrument.symbol,
      side,
      type: 'limit',
      quantity: instrument.quantity,
      limit_price: price
        .round(instrument.pricePrecision, side === 'buy' ? 'down' : 'up')
        .toFixed(instrument.pricePrecision),
    };
    const summary = `${accountId} ${side} ${order.quantity} ${order.symbol} @ ${order.limit_price}`;
    const response = await fetch(new URL(ROUTES.validate, options.gateUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(order),
    });
    const body = (await response.json()) as { decision?: string; reasons?: { code?: string }[] };
    if (body.decision !== 'accept') {
      const codes = (body.reasons ?? []).map((r) => r.code).join(',');
      options.onOrder?.({ accountId, orderId, decision: 'reject', detail: `${summary}: ${codes || response.status}` });
      return;
    }
    // Kraken's REST takes the pair as `BTC/USD` too; the fake passes it on as v2's symbol.
    const placed = await kraken.privateCall<{ txid: string[] }>(
      'AddOrder',
      {
        pair: order.symbol,
        type: side,
        ordertype: 'limit',
        volume: order.quantity,
        price: order.limit_price,
        cl_ord_id: orderId,
      },
      credentials,
    );
    options.onOrder?.({ accountId, orderId, decision: 'accept', detail: `${summary} -> ${placed.txid.join(',')}` });
    if (resting) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        kraken.privateCall('CancelOrder', { cl_ord_id: orderId }, credentials).catch((error: unknown) => {
          options.onOrder?.({ accountId, orderId, decision: 'error', detail: `cancel failed: ${String(error)}` });
        });
      }, options.cancelAfterMs ?? 8_000);
      timers.add(timer);
    }
  };

  const tick = setInterval(() => {
    if (stopped) return;
    // One order at a time: a slow gate makes the strategy slower, never concurrent.
    inFlight = inFlight.then(() =>
      placeOne().catch((error: unknown) =>
        options.onOrder?.({ accountId: '-', orderId: '-', decision: 'error', detail: String(error) }),
      ),
    );
  }, options.intervalMs);

  return async () => {
    stopped = true;
    clearInterval(tick);
    for (const timer of timers) clearTimeout(timer);
    await inFlight;
  };
}
