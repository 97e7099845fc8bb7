import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { signKrakenRequest } from '../../../shared/adapters/kraken-rest.js';
import { type FakeKrakenVenue, type WireObject, wireJson } from '../kraken-private/venue.js';

/**
 * A fake of Kraken's private REST API on loopback. It checks what the real one checks —
 * the key exists, `API-Sign` is the HMAC-SHA512 of path + SHA256(nonce + body), and the
 * nonce is above the key's last — and answers with Kraken's envelope and error strings.
 *
 * With a {@link FakeKrakenVenue} (test/fakes/kraken-private) it also serves the account
 * side: GetWebSocketsToken (a token the private WS fake accepts), AddOrder and CancelOrder
 * (orders whose executions the WS fake streams), QueryOrders (the venue's orders of the
 * calling key in Kraken's shape; an id not of that key fails the call with
 * `EOrder:Invalid order`, more than 50 ids with `EGeneral:Invalid arguments`), and CancelAll / CancelAllOrdersAfter act on
 * the venue's orders too. Without one it behaves as before (a counter of open orders).
 */
export interface FakeKrakenCall {
  readonly method: string;
  readonly apiKey: string;
  readonly params: Record<string, string>;
  readonly signatureValid: boolean;
  readonly at: number;
}

export class FakeKrakenRest {
  readonly calls: FakeKrakenCall[] = [];
  private readonly secrets = new Map<string, string>();
  private readonly lastNonce = new Map<string, bigint>();
  private readonly openOrders = new Map<string, number>();
  private failures = 0;
  private server: http.Server | null = null;
  url = '';

  constructor(private readonly venue?: FakeKrakenVenue) {}

  /** Registers an account key (random, or the one given); returns its credentials. */
  addKey(openOrders = 3, given?: { apiKey: string; apiSecret: string }): { apiKey: string; apiSecret: string } {
    const apiKey = given?.apiKey ?? `key-${randomBytes(6).toString('hex')}`;
    const apiSecret = given?.apiSecret ?? randomBytes(64).toString('base64');
    this.secrets.set(apiKey, apiSecret);
    this.openOrders.set(apiKey, openOrders);
    this.venue?.registerKey(apiKey);
    return { apiKey, apiSecret };
  }

  /** The next `count` calls answer `EService:Unavailable` (to exercise retries). */
  failNext(count: number): void {
    this.failures = count;
  }

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const reply = (status: number, body: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        // Amounts Kraken writes as JSON numbers (closetm, opentm) keep their exact text.
        const replyWire = (body: WireObject) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(wireJson(body));
        };
        const path = req.url ?? '';
        const postData = Buffer.concat(chunks).toString('utf8');
        const params = Object.fromEntries(new URLSearchParams(postData));
        const apiKey = String(req.headers['api-key'] ?? '');
        const secret = this.secrets.get(apiKey);
        const method = path.replace('/0/private/', '');
        const signatureValid =
          secret !== undefined &&
          signKrakenRequest(path, params.nonce ?? '', postData, secret) === req.headers['api-sign'];
        this.calls.push({ method, apiKey, params, signatureValid, at: Date.now() });
        if (!secret) return reply(200, { error: ['EAPI:Invalid key'] });
        if (!signatureValid) return reply(200, { error: ['EAPI:Invalid signature'] });
        const nonce = BigInt(params.nonce ?? '0');
        if (nonce <= (this.lastNonce.get(apiKey) ?? 0n)) return reply(200, { error: ['EAPI:Invalid nonce'] });
        this.lastNonce.set(apiKey, nonce);
        if (this.failures > 0) {
          this.failures--;
          return reply(200, { error: ['EService:Unavailable'] });
        }
        if (method === 'Balance')
          return reply(200, { error: [], result: { ZUSD: '100000.0000', XXBT: '1.5000000000' } });
        if (method === 'CancelAll') {
          const count = (this.openOrders.get(apiKey) ?? 0) + (this.venue?.cancelAll(apiKey) ?? 0);
          this.openOrders.set(apiKey, 0);
          return reply(200, { error: [], result: { count } });
        }
        if (this.venue && method === 'CancelAllOrdersAfter') {
          return reply(200, {
            error: [],
            result: this.venue.cancelAllOrdersAfter(apiKey, Number(params.timeout ?? 0)),
          });
        }
        if (this.venue && method === 'GetWebSocketsToken') {
          return reply(200, { error: [], result: { token: this.venue.issueToken(apiKey), expires: 900 } });
        }
        if (this.venue && method === 'AddOrder') {
          const side = params.type;
          if ((side !== 'buy' && side !== 'sell') || !params.pair || !params.volume) {
            return reply(200, { error: ['EGeneral:Invalid arguments'] });
          }
          const order = this.venue.addOrder(apiKey, {
            symbol: params.pair,
            side,
            orderType: params.ordertype ?? 'limit',
            orderQty: params.volume,
            limitPrice: params.price,
            clOrdId: params.cl_ord_id,
          });
          return reply(200, {
            error: [],
            result: {
              descr: {
                order:
                  `${side} ${params.volume} ${params.pair} @ ${params.ordertype ?? 'limit'} ${params.price ?? ''}`.trim(),
              },
              txid: [order.orderId],
            },
          });
        }
        if (this.venue && method === 'QueryOrders') {
          const ids = (params.txid ?? '').split(',').filter((id) => id.length > 0);
          if (ids.length === 0 || ids.length > 50) return reply(200, { error: ['EGeneral:Invalid arguments'] });
          const orders = this.venue.queryOrders(apiKey, ids);
          if (!orders) return reply(200, { error: ['EOrder:Invalid order'] });
          return replyWire({ error: [], result: orders });
        }
        if (this.venue && method === 'CancelOrder') {
          const id = params.txid ?? params.cl_ord_id ?? '';
          if (!this.venue.cancelOrder(apiKey, id)) return reply(200, { error: ['EOrder:Unknown order'] });
          return reply(200, { error: [], result: { count: 1 } });
        }
        if (method === 'CancelAllOrdersAfter') {
          const now = new Date();
          const trigger = new Date(now.getTime() + Number(params.timeout ?? 0) * 1000);
          return reply(200, {
            error: [],
            result: { currentTime: now.toISOString(), triggerTime: trigger.toISOString() },
          });
        }
        return reply(200, { error: ['EGeneral:Unknown method'] });
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  openOrdersOf(apiKey: string): number {
    return this.openOrders.get(apiKey) ?? 0;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
