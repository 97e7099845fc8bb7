import * as z from 'zod';
import { baseConfigShape, booleanFlag, parseConfig, positiveInt } from '../../shared/config/env.js';
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
    /** How long a decision's WAIT for replicas may block (ms). */
    AUDIT_REPLICA_ACK_TIMEOUT_MS: positiveInt.default(10),
    /**
     * Reject an account's orders unless its private Kraken feed is live (issue #13's
     * account feed). Off by default because local mode runs no account feed; staging and
     * prod set it to true (infra/config/stages.ts).
     */
    ACCOUNT_FEED_REQUIRED: booleanFlag.default(false),
    /** A feed status its writer has not refreshed within this long is a dead writer (ms). */
    ACCOUNT_FEED_MAX_AGE_MS: positiveInt.default(15_000),
    /** Re-decisions when the account's book moved between load and commit, then BOOK_CONTENDED. */
    BOOK_MAX_RETRIES: z.coerce.number().int().min(0).max(50).default(5),
    LIMITS_CACHE_TTL_MS: positiveInt.default(5_000),
    LIMITS_MAX_STALE_MS: positiveInt.default(60_000),
  })
  .superRefine(checkStoresConfig);

export type RiskApiConfig = z.output<typeof riskApiConfigSchema>;

export function loadRiskApiConfig(env: NodeJS.ProcessEnv = process.env): RiskApiConfig {
  return parseConfig(riskApiConfigSchema, env);
}
