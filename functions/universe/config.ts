import * as z from 'zod';
import { refineStoreConfig, storeConfigShape } from '../../shared/adapters/batch-stores.js';
import { coinGeckoConfigShape, refineCoinGeckoConfig } from '../../shared/adapters/coingecko-client.js';
import { baseConfigShape, parseConfig, positiveInt } from '../../shared/config/env.js';

/** Configuration of the daily universe job, parsed once per cold start. */
export const universeConfigSchema = z
  .object({
    ...baseConfigShape,
    ...storeConfigShape,
    ...coinGeckoConfigShape,
    /** How many coins by market cap the job considers (CoinGecko pages hold at most 250). */
    UNIVERSE_TOP_N: positiveInt.max(250).default(100),
  })
  .superRefine((config, ctx) => {
    refineStoreConfig(config, ctx);
    refineCoinGeckoConfig(config, ctx);
  });

export type UniverseConfig = z.output<typeof universeConfigSchema>;

export function loadUniverseConfig(env: NodeJS.ProcessEnv = process.env): UniverseConfig {
  return parseConfig(universeConfigSchema, env);
}
