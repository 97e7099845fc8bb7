import type { Redis } from 'ioredis';
import { createSecretsManagerClient } from '../../shared/adapters/aws-clients.js';
import { KrakenKeyStore } from '../../shared/adapters/kraken-keys.js';
import type { KrakenCredentials } from '../../shared/adapters/kraken-rest.js';
import { decodeMark } from '../../shared/adapters/redis/mark-hash.js';
import { Decimal } from '../../shared/domain/decimal.js';
import { REDIS_KEYS } from '../../shared/names.js';
import { FakeKrakenVenue } from '../../test/fakes/kraken-private/venue.js';
import { type FakeKrakenPrivateServer, startFakeKrakenPrivate } from '../../test/fakes/kraken-private/ws-server.js';
import { FakeKrakenRest } from '../../test/fakes/kraken-rest/server.js';

/**
 * Local mode's Kraken: one fake venue behind both the private REST API (GetWebSocketsToken,
 * AddOrder, CancelOrder, CancelAll for the kill executor) and the authenticated WS v2 the
 * account feed reads, so an order placed over REST comes back on `executions` as on Kraken.
 *
 * A fake venue has no order book, so this one plays the market: a marketable order (a buy
 * at or above the ask, a sell at or below the bid, or a market order) is filled at the
 * touch of the current mark in Redis, in two trades a moment apart (Kraken's
 * partially_filled then filled). Orders that do not cross rest until canceled.
 *
 * Each demo account gets a key on the fake, stored in the local Secrets Manager the way an
 * operator stores one (KrakenKeyStore, the secret's one codec), which is where the account
 * feed finds it. Never used in a deployed stage.
 */
export interface LocalKraken {
  readonly venue: FakeKrakenVenue;
  readonly rest: FakeKrakenRest;
  readonly restUrl: string;
  readonly wsAuthUrl: string;
  /** The key of each demo account (local only: the fake's throwaway keys). */
  readonly credentials: ReadonlyMap<string, KrakenCredentials>;
  stop(): Promise<void>;
}

export interface LocalKrakenOptions {
  readonly redis: Redis;
  readonly stage: string;
  readonly accountIds: readonly string[];
  /** Delay before the first trade of a marketable order. @default 400 */
  readonly fillDelayMs?: number;
  /** Price digits per symbol for the fills (Kraken's price_precision). */
  readonly pricePrecision: (symbol: string) => number;
}

const TWO = Decimal.fromInteger(2);

export async function startLocalKraken(options: LocalKrakenOptions): Promise<LocalKraken> {
  const venue = new FakeKrakenVenue();
  const rest = new FakeKrakenRest(venue);
  const restUrl = await rest.start();
  let ws: FakeKrakenPrivateServer | undefined;
  const timers = new Set<NodeJS.Timeout>();
  try {
    ws = await startFakeKrakenPrivate(venue);
    const keys = new KrakenKeyStore(createSecretsManagerClient(), options.stage);
    const credentials = new Map<string, KrakenCredentials>();
    for (const accountId of options.accountIds) {
      const key = rest.addKey(0);
      // A fresh key per start: the fake forgets keys on exit, so yesterday's secret is useless.
      await keys.store(accountId, key);
      credentials.set(accountId, key);
    }

    const later = (ms: number, run: () => Promise<void>) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        run().catch((error: unknown) => console.error(`local Kraken fill failed: ${String(error)}`));
      }, ms);
      timers.add(timer);
    };
    const fillDelay = options.fillDelayMs ?? 400;
    venue.on('execution', (_apiKey: string, entry: { exec_type?: unknown; order_id?: unknown }) => {
      if (entry.exec_type !== 'new' || typeof entry.order_id !== 'string') return;
      const orderId = entry.order_id;
      later(fillDelay, async () => {
        const price = await touchPrice(orderId);
        if (!price) return;
        const order = venue.order(orderId);
        if (order?.status !== 'new') return;
        const first = Decimal.parse(order.orderQty).div(TWO).round(8, 'down');
        if (first.isPositive()) venue.fill(orderId, first.toFixed(8), price);
        later(fillDelay, async () => {
          const rest = venue.order(orderId);
          if (rest && (rest.status === 'new' || rest.status === 'partially_filled')) {
            venue.fill(orderId, undefined, (await touchPrice(orderId)) ?? price);
          }
        });
      });
    });

    /** The price a marketable order trades at now (the ask for a buy, the bid for a sell), or null. */
    async function touchPrice(orderId: string): Promise<string | null> {
      const order = venue.order(orderId);
      if (!order) return null;
      const mark = decodeMark(await options.redis.hgetall(REDIS_KEYS.mark(order.symbol)));
      if (!mark?.live) return null;
      const touch = order.side === 'buy' ? mark.ask : mark.bid;
      if (order.orderType === 'limit' && order.limitPrice) {
        const limit = Decimal.parse(order.limitPrice);
        if (order.side === 'buy' ? limit.lt(touch) : limit.gt(touch)) return null;
      } else if (order.orderType !== 'market') {
        return null;
      }
      return touch.toFixed(options.pricePrecision(order.symbol));
    }

    const server = ws;
    return {
      venue,
      rest,
      restUrl,
      wsAuthUrl: server.url,
      credentials,
      async stop() {
        for (const timer of timers) clearTimeout(timer);
        venue.removeAllListeners('execution');
        await server.close();
        await rest.stop();
        venue.dispose();
      },
    };
  } catch (error) {
    await ws?.close();
    await rest.stop();
    venue.dispose();
    throw error;
  }
}
