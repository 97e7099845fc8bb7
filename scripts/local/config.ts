import * as z from 'zod';
import { baseConfigShape, parseConfig } from '../../shared/config/env.js';

/**
 * Settings of local mode itself (`npm start`), beside the settings of the units it runs,
 * which each parse their own. Local mode is never deployed, but its in-memory state is
 * still refused when STAGE=prod by the shared production guards, like every unsafe setting.
 */
export const localModeConfigSchema = z.object({
  ...baseConfigShape,
  /** `memory`: the risk API alone, on in-memory adapters, with no PostgreSQL or Redis. */
  RISK_STATE: z.enum(['stores', 'memory']).default('stores'),
  /**
   * How often the reference-prices job runs against the fake CoinGecko (EventBridge runs it
   * every minute in a stage); faster locally so references keep close to the random walk.
   */
  LOCAL_REFERENCE_INTERVAL_MS: z.coerce.number().int().min(1_000).default(15_000),
  /**
   * `on`: the trading loop (scripts/local/local-trading.ts): a fake Kraken private side, the
   * account feed, the positions consumer on kinesis-local and the demo strategy. `npm start`
   * turns it on; tests that start local mode for something else leave it off.
   */
  LOCAL_TRADING: z.enum(['on', 'off']).default('off'),
  /** How often the demo strategy validates and places an order; 0 runs no strategy. */
  DEMO_STRATEGY_INTERVAL_MS: z.coerce.number().int().min(0).default(3_000),
});

export type LocalModeConfig = z.output<typeof localModeConfigSchema>;

export function loadLocalModeConfig(env: NodeJS.ProcessEnv = process.env): LocalModeConfig {
  return parseConfig(localModeConfigSchema, env);
}
