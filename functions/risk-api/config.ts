import { z } from 'zod';
import { baseConfigShape, parseConfig, positiveInt } from '../../shared/config/env.js';
import { checkStoresConfig, storesConfigShape } from '../../shared/config/stores.js';

/**
 * Configuration of the risk API, parsed once per cold start (and by `npm start`, whose own
 * settings, such as in-memory state, live in scripts/local/config.ts).
 */
export const riskApiConfigSchema = z
  .object({
    ...baseConfigShape,
    ...storesConfigShape,
    /** Replica acknowledgements a decision waits for (Redis WAIT). */
    AUDIT_MIN_REPLICA_ACKS: z.coerce.number().int().min(0).default(0),
    LIMITS_CACHE_TTL_MS: positiveInt.default(5_000),
    LIMITS_MAX_STALE_MS: positiveInt.default(60_000),
  })
  .superRefine(checkStoresConfig);

export type RiskApiConfig = z.output<typeof riskApiConfigSchema>;

export function loadRiskApiConfig(env: NodeJS.ProcessEnv = process.env): RiskApiConfig {
  return parseConfig(riskApiConfigSchema, env);
}
