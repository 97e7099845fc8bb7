import * as z from 'zod';
import { httpUrl, type Stage } from '../config/env.js';
import { Decimal } from '../domain/decimal.js';
import { CATALOGUE } from '../metrics/catalogue.js';
import { emitMetric } from '../metrics/emit.js';
import { logger, metrics } from '../runtime/observability.js';
import { decodeCoinGeckoKeySecret } from './secrets/coingecko-key-secret.js';
import type { SecretReader } from './secrets.js';

/**
 * The CoinGecko settings of every unit that calls it (reference prices, the universe job),
 * defined once so their defaults cannot drift apart. Spread into a unit's config schema and
 * add {@link refineCoinGeckoConfig} to its superRefine.
 */
export const coinGeckoConfigShape = {
  COINGECKO_BASE_URL: httpUrl.default('https://api.coingecko.com/api/v3'),
  /** Secrets Manager id of the demo API key (plain string). */
  COINGECKO_API_KEY_SECRET_ID: z.string().min(1).optional(),
};

/** Outside local mode the demo key is required: an unkeyed caller is throttled far harder. */
export function refineCoinGeckoConfig(
  config: { readonly STAGE: Stage; readonly COINGECKO_API_KEY_SECRET_ID?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  if (config.STAGE !== 'local' && !config.COINGECKO_API_KEY_SECRET_ID) {
    ctx.addIssue({ code: 'custom', path: ['COINGECKO_API_KEY_SECRET_ID'], message: 'required outside local' });
  }
}

/**
 * Told when the key secret still holds its placeholder. Default: the `SecretPlaceholder`
 * metric, under the service dimension alone as the dashboards query it (the warning names
 * the secret), and a warning.
 */
export type OnKeyPlaceholder = (secretId: string, why: string) => void;

const reportPlaceholder: OnKeyPlaceholder = (secretId, why) => {
  emitMetric(metrics, CATALOGUE.secretPlaceholder, 1);
  logger.warn('CoinGecko key secret holds its placeholder; calling without a key until an operator sets it', {
    secret: secretId,
    why,
  });
};

/**
 * A client configured from {@link coinGeckoConfigShape}, its key read (and cached) from
 * Secrets Manager through the key's codec. A placeholder is never sent as a key: the
 * client calls unkeyed (CoinGecko's public limits) and `onKeyPlaceholder` is told.
 */
export function createCoinGeckoClient(
  config: { readonly COINGECKO_BASE_URL: string; readonly COINGECKO_API_KEY_SECRET_ID?: string | undefined },
  secrets: Pick<SecretReader, 'getString'>,
  options: Pick<CoinGeckoClientOptions, 'sleep' | 'now'> & { readonly onKeyPlaceholder?: OnKeyPlaceholder } = {},
): CoinGeckoClient {
  const secretId = config.COINGECKO_API_KEY_SECRET_ID;
  const { onKeyPlaceholder = reportPlaceholder, ...clientOptions } = options;
  return new CoinGeckoClient({
    baseUrl: config.COINGECKO_BASE_URL,
    apiKey: async () => {
      if (!secretId) return undefined;
      const secret = decodeCoinGeckoKeySecret(await secrets.getString(secretId));
      if (secret.status === 'key') return secret.key;
      onKeyPlaceholder(secretId, secret.why);
      return undefined;
    },
    ...clientOptions,
  });
}

/** CoinGecko answered something that is not the documented shape. */
export class CoinGeckoResponseError extends Error {
  override readonly name = 'CoinGeckoResponseError';
}

/** CoinGecko said 429; do not call before `retryAtMs`. */
export class CoinGeckoRateLimitedError extends Error {
  override readonly name = 'CoinGeckoRateLimitedError';
  constructor(readonly retryAtMs: number) {
    super(`CoinGecko rate limit: retry after ${new Date(retryAtMs).toISOString()}`);
  }
}

export interface Quote {
  readonly price: Decimal;
  readonly lastUpdatedAtMs: number;
}

export interface CoinGeckoClientOptions {
  /** e.g. https://api.coingecko.com/api/v3 */
  readonly baseUrl: string;
  /** Demo API key (from Secrets Manager); sent as `x-cg-demo-api-key`. */
  readonly apiKey: () => Promise<string | undefined>;
  /** @default 3000 */
  readonly timeoutMs?: number;
  /** A 429 whose Retry-After is at most this long is waited out and retried once. @default 5000 */
  readonly maxWaitMs?: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const priceSchema = z.record(
  z.string(),
  z.object({ usd: z.number().positive().finite(), last_updated_at: z.number().int().positive() }),
);
const marketsSchema = z.array(
  z.object({
    id: z.string().min(1),
    symbol: z.string().min(1),
    market_cap_rank: z.number().int().positive().nullable(),
  }),
);

/** A JSON number as an exact decimal (CoinGecko sends floats; their shortest text is what it meant). */
export function decimalFromJsonNumber(value: number): Decimal {
  const text = String(value);
  return Decimal.parse(/e/i.test(text) ? value.toFixed(18).replace(/0+$/, '0') : text);
}

/** Parses Retry-After (seconds or an HTTP date) into an absolute time; 60 s when absent or unreadable. */
export function retryAtMs(header: string | null, nowMs: number): number {
  if (header) {
    const seconds = Number(header);
    if (Number.isFinite(seconds) && seconds >= 0) return nowMs + seconds * 1000;
    const date = Date.parse(header);
    if (Number.isFinite(date)) return Math.max(nowMs, date);
  }
  return nowMs + 60_000;
}

/** The two CoinGecko endpoints the product uses, with the rate-limit contract honoured. */
export class CoinGeckoClient {
  constructor(private readonly options: CoinGeckoClientOptions) {}

  /** /simple/price?ids=…&vs_currencies=usd&include_last_updated_at=true */
  async simplePrice(ids: readonly string[]): Promise<Map<string, Quote>> {
    const query = new URLSearchParams({ ids: ids.join(','), vs_currencies: 'usd', include_last_updated_at: 'true' });
    const parsed = priceSchema.safeParse(await this.get(`/simple/price?${query}`));
    if (!parsed.success) throw new CoinGeckoResponseError(`simple/price: ${parsed.error.issues[0]?.message}`);
    const out = new Map<string, Quote>();
    for (const [id, value] of Object.entries(parsed.data)) {
      out.set(id, { price: decimalFromJsonNumber(value.usd), lastUpdatedAtMs: value.last_updated_at * 1000 });
    }
    return out;
  }

  /** /coins/markets?vs_currency=usd&order=market_cap_desc: the top `count` coins by market cap. */
  async topByMarketCap(count: number): Promise<{ id: string; symbol: string; rank: number | null }[]> {
    const query = new URLSearchParams({
      vs_currency: 'usd',
      order: 'market_cap_desc',
      per_page: String(count),
      page: '1',
    });
    const parsed = marketsSchema.safeParse(await this.get(`/coins/markets?${query}`));
    if (!parsed.success) throw new CoinGeckoResponseError(`coins/markets: ${parsed.error.issues[0]?.message}`);
    return parsed.data.map((c) => ({ id: c.id, symbol: c.symbol, rank: c.market_cap_rank }));
  }

  private async get(path: string, attempt = 0): Promise<unknown> {
    const now = this.options.now ?? Date.now;
    const key = await this.options.apiKey();
    const response = await fetch(`${this.options.baseUrl}${path}`, {
      headers: { accept: 'application/json', ...(key ? { 'x-cg-demo-api-key': key } : {}) },
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 3_000),
    });
    if (response.status === 429) {
      await response.body?.cancel();
      const retryAt = retryAtMs(response.headers.get('retry-after'), now());
      const wait = retryAt - now();
      if (attempt === 0 && wait <= (this.options.maxWaitMs ?? 5_000)) {
        await (this.options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))))(Math.max(0, wait));
        return this.get(path, attempt + 1);
      }
      throw new CoinGeckoRateLimitedError(retryAt);
    }
    if (!response.ok) throw new Error(`CoinGecko ${path.split('?')[0]} answered ${response.status}`);
    const text = await response.text();
    try {
      return JSON.parse(text);
    } catch {
      throw new CoinGeckoResponseError(`${path.split('?')[0]}: not JSON`);
    }
  }
}
