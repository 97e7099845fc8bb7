import * as z from 'zod';
import { baseConfigShape, parseConfig } from '../../shared/config/env.js';
import { checkKrakenRestUrl, krakenRestConfigShape } from '../../shared/config/kraken.js';
import { checkStoresConfig, storesConfigShape } from '../../shared/config/stores.js';
import { KILL_EXECUTOR_DEFAULTS } from './execute-kill.js';

export const killExecutorConfigSchema = z
  .object({
    ...baseConfigShape,
    ...storesConfigShape,
    KILL_EVENT_BUS_NAME: z.string().min(1),
    ...krakenRestConfigShape,
    /** Seconds for Kraken's CancelAllOrdersAfter after a kill (0 = do not arm). */
    DEAD_MANS_SWITCH_SECONDS: z.coerce
      .number()
      .int()
      .min(0)
      .max(86_400)
      .default(KILL_EXECUTOR_DEFAULTS.deadMansSwitchSeconds),
    /** Attempts per Kraken call, retrying only what Kraken says is transient. */
    KRAKEN_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(KILL_EXECUTOR_DEFAULTS.maxAttempts),
  })
  .superRefine((config, ctx) => {
    checkStoresConfig(config, ctx);
    checkKrakenRestUrl(config, ctx);
  });

export type KillExecutorConfig = z.output<typeof killExecutorConfigSchema>;

export function loadKillExecutorConfig(env: NodeJS.ProcessEnv = process.env): KillExecutorConfig {
  return parseConfig(killExecutorConfigSchema, env);
}
