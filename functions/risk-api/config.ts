import { z } from 'zod';
import { baseConfigShape, parseConfig, positiveInt } from '../../shared/config/env.js';
import { checkStoresConfig, storesConfigShape } from '../../shared/config/stores.js';

/**
 * Configuration of the risk API, parsed once per cold start (and by `npm start`).
 * `RISK_STATE=memory` runs on in-memory adapters for a local demo with no stores; it is
 * refused in production like every other insecure setting.
 */
export const riskApiConfigSchema = z
  .object({
    ...baseConfigShape,
    ...storesConfigShape,
    RISK_STATE: z.enum(['stores', 'memory']).default('stores'),
    /** Replica acknowledgements a decision waits for (Redis WAIT). */
    AUDIT_MIN_REPLICA_ACKS: z.coerce.number().int().min(0).default(0),
    LIMITS_CACHE_TTL_MS: positiveInt.default(5_000),
    LIMITS_MAX_STALE_MS: positiveInt.default(60_000),
  })
  .superRefine((config, ctx) => {
    if (config.RISK_STATE === 'stores') checkStoresConfig(config, ctx);
  });

export type RiskApiConfig = z.output<typeof riskApiConfigSchema>;

export function loadRiskApiConfig(env: NodeJS.ProcessEnv = process.env): RiskApiConfig {
  return parseConfig(riskApiConfigSchema, env);
}
