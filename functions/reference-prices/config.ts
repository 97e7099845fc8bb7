import { z } from 'zod';
import { refineStoreConfig, storeConfigShape } from '../../shared/adapters/batch-stores.js';
import { baseConfigShape, httpUrl, parseConfig, positiveInt } from '../../shared/config/env.js';
import { DEFAULT_REFERENCE_COINS } from './reference-prices.js';

/** `BTC/USD=bitcoin,ETH/USD=ethereum`: Kraken symbol to CoinGecko id. */
const coinMap = z
  .string()
  .regex(/^[A-Z0-9]+\/USD=[a-z0-9-]+(,[A-Z0-9]+\/USD=[a-z0-9-]+)*$/, 'SYMBOL/USD=coingecko-id,… pairs')
  .transform((text) => Object.fromEntries(text.split(',').map((pair) => pair.split('=') as [string, string])));

/** Configuration of the reference-prices job and the daily universe job. */
export const referencePricesConfigSchema = z
  .object({
    ...baseConfigShape,
    ...storeConfigShape,
    COINGECKO_BASE_URL: httpUrl.default('https://api.coingecko.com/api/v3'),
    /** Secrets Manager id of the demo API key (plain string). */
    COINGECKO_API_KEY_SECRET_ID: z.string().min(1).optional(),
    REFERENCE_COINS: coinMap.optional().transform((map) => map ?? DEFAULT_REFERENCE_COINS),
    REFERENCE_MAX_QUOTE_AGE_MS: positiveInt.default(180_000),
    REFERENCE_MAX_MARK_AGE_MS: positiveInt.default(10_000),
    /** How many coins by market cap the universe job considers. */
    UNIVERSE_TOP_N: positiveInt.max(250).default(100),
  })
  .superRefine((config, ctx) => {
    refineStoreConfig(config, ctx);
    if (config.STAGE !== 'local' && !config.COINGECKO_API_KEY_SECRET_ID) {
      ctx.addIssue({ code: 'custom', path: ['COINGECKO_API_KEY_SECRET_ID'], message: 'required outside local' });
    }
  });

export type ReferencePricesConfig = z.output<typeof referencePricesConfigSchema>;

export function loadReferencePricesConfig(env: NodeJS.ProcessEnv = process.env): ReferencePricesConfig {
  return parseConfig(referencePricesConfigSchema, env);
}
