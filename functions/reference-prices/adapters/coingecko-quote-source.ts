import { type CoinGeckoClient, CoinGeckoRateLimitedError } from '../../../shared/adapters/coingecko-client.js';
import type { ReferenceQuoteSource } from '../ports.js';

/** CoinGecko /simple/price as the job's quote source: its 429 becomes the `rate-limited` outcome. */
export class CoinGeckoQuoteSource implements ReferenceQuoteSource {
  constructor(private readonly client: Pick<CoinGeckoClient, 'simplePrice'>) {}

  async quotes(coinIds: readonly string[]) {
    try {
      return { kind: 'quotes' as const, quotes: await this.client.simplePrice(coinIds) };
    } catch (error) {
      if (error instanceof CoinGeckoRateLimitedError)
        return { kind: 'rate-limited' as const, retryAtMs: error.retryAtMs };
      throw error;
    }
  }
}
