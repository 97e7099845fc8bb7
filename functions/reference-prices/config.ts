import * as z from 'zod';
import { refineStoreConfig, storeConfigShape } from '../../shared/adapters/batch-stores.js';
import { coinGeckoConfigShape, refineCoinGeckoConfig } from '../../shared/adapters/coingecko-client.js';
import { baseConfigShape, parseConfig, positiveInt } from '../../shared/config/env.js';
import { checkStateEpochConfig, stateEpochConfigShape } from '../../shared/config/state-epoch.js';
import { DEFAULT_REFERENCE_COINS } from './reference-prices.js';

/** `BTC/USD=bitcoin,ETH/USD=ethereum`: Kraken symbol to CoinGecko id. */
const coinMap = z
  .string()
  .regex(/^[A-Z0-9]+\/USD=[a-z0-9-]+(,[A-Z0-9]+\/USD=[a-z0-9-]+)*$/, 'SYMBOL/USD=coingecko-id,… pairs')
  .transform((text) => Object.fromEntries(text.split(',').map((pair) => pair.split('=') as [string, string])));

/** Configuration of the reference-prices job, parsed once per cold start. */
export const referencePricesConfigSchema = z
  .object({
    ...baseConfigShape,
    ...storeConfigShape,
    ...coinGeckoConfigShape,
    ...stateEpochConfigShape,
    REFERENCE_COINS: coinMap.optional().transform((map) => map ?? DEFAULT_REFERENCE_COINS),
    REFERENCE_MAX_QUOTE_AGE_MS: positiveInt.default(180_000),
    REFERENCE_MAX_MARK_AGE_MS: positiveInt.default(10_000),
  })
  .superRefine((config, ctx) => {
    refineStoreConfig(config, ctx);
    refineCoinGeckoConfig(config, ctx);
    checkStateEpochConfig(config, ctx);
  });

export type ReferencePricesConfig = z.output<typeof referencePricesConfigSchema>;

export function loadReferencePricesConfig(env: NodeJS.ProcessEnv = process.env): ReferencePricesConfig {
  return parseConfig(referencePricesConfigSchema, env);
}
