import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake CoinGecko API (v3) on loopback for tests: /simple/price and /coins/markets, with
 * the faults the reference-prices job must survive. `mode` applies to every request until
 * changed; `rateLimitOnce` answers 429 to the next request only.
 */
export type FakeCoinGeckoMode = 'ok' | 'rate-limited' | 'stale' | 'malformed';

export interface FakeCoin {
  readonly id: string;
  readonly symbol: string;
  readonly usd: number;
  readonly marketCap: number;
}

export class FakeCoinGecko {
  mode: FakeCoinGeckoMode = 'ok';
  /** Seconds sent in Retry-After with a 429. */
  retryAfterSeconds = 60;
  /** Answer the next request with 429, then go back to `mode`. */
  rateLimitOnce = false;
  /** How old `last_updated_at` is in `stale` mode, seconds. */
  staleBySeconds = 3_600;
  coins: FakeCoin[] = [
    { id: 'bitcoin', symbol: 'btc', usd: 65_000.5, marketCap: 1_280_000_000_000 },
    { id: 'ethereum', symbol: 'eth', usd: 3_000.25, marketCap: 360_000_000_000 },
    { id: 'tether', symbol: 'usdt', usd: 1.0001, marketCap: 110_000_000_000 },
    { id: 'solana', symbol: 'sol', usd: 150.12, marketCap: 70_000_000_000 },
    { id: 'usd-coin', symbol: 'usdc', usd: 0.9999, marketCap: 33_000_000_000 },
  ];
  /**
   * Live price of a coin, asked at each request (local mode follows its marks); undefined
   * falls back to the coin's `usd`. A coin with no positive price is left out of
   * /simple/price, as CoinGecko leaves out a coin it has no price for.
   */
  quote: ((coinId: string) => Promise<number | undefined>) | undefined = undefined;
  readonly requests: { path: string; query: URLSearchParams; apiKey: string | undefined }[] = [];
  private readonly server = http.createServer((req, res) => {
    this.handle(req, res).catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: String(error) }));
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this.baseUrl;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/v3`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async priced(coins: readonly FakeCoin[]): Promise<FakeCoin[]> {
    const quote = this.quote;
    if (!quote) return [...coins];
    return Promise.all(coins.map(async (c) => ({ ...c, usd: (await quote(c.id)) ?? c.usd })));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const header = req.headers['x-cg-demo-api-key'];
    this.requests.push({
      path: url.pathname,
      query: url.searchParams,
      apiKey: Array.isArray(header) ? header[0] : header,
    });
    if (this.rateLimitOnce || this.mode === 'rate-limited') {
      this.rateLimitOnce = false;
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(this.retryAfterSeconds) });
      res.end('{"status":{"error_code":429,"error_message":"You\'ve exceeded the Rate Limit."}}');
      return;
    }
    if (this.mode === 'malformed') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        url.pathname.endsWith('/simple/price')
          ? '{"bitcoin": {"usd": "sixty-five thousand"}, "ethereum": '
          : '[{"id": 1}]',
      );
      return;
    }
    const nowS = Math.floor(Date.now() / 1000);
    const updatedAt = this.mode === 'stale' ? nowS - this.staleBySeconds : nowS - 20;
    if (url.pathname === '/api/v3/simple/price') {
      const ids = (url.searchParams.get('ids') ?? '').split(',');
      const withTime = url.searchParams.get('include_last_updated_at') === 'true';
      const body: Record<string, Record<string, number>> = {};
      for (const coin of await this.priced(this.coins.filter((c) => ids.includes(c.id)))) {
        if (!(coin.usd > 0)) continue;
        body[coin.id] = { usd: coin.usd, ...(withTime ? { last_updated_at: updatedAt } : {}) };
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
      return;
    }
    if (url.pathname === '/api/v3/coins/markets') {
      const perPage = Number(url.searchParams.get('per_page') ?? 100);
      const sorted = (await this.priced(this.coins)).sort((a, b) => b.marketCap - a.marketCap).slice(0, perPage);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(
          sorted.map((c, i) => ({
            id: c.id,
            symbol: c.symbol,
            name: c.id,
            current_price: c.usd,
            market_cap: c.marketCap,
            market_cap_rank: i + 1,
            last_updated: new Date(updatedAt * 1000).toISOString(),
          })),
        ),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"error":"not found"}');
  }
}
