import * as z from 'zod';
import { baseConfigShape, parseConfig, positiveInt } from '../../shared/config/env.js';
import { checkKrakenRestUrl, krakenRestConfigShape } from '../../shared/config/kraken.js';
import { checkStateEpochConfig, stateEpochConfigShape } from '../../shared/config/state-epoch.js';
import { checkStoresConfig, storesConfigShape } from '../../shared/config/stores.js';
import { DEFAULT_RELEASE_WINDOW_MS } from '../../shared/domain/controls/kill-switch.js';

/** Configuration of the admin API (kill switch, limits, Kraken keys), parsed once at start. */
export const adminApiConfigSchema = z
  .object({
    ...baseConfigShape,
    ...storesConfigShape,
    /** EventBridge bus the KILL_SWITCH_TRIGGERED events go to. */
    KILL_EVENT_BUS_NAME: z.string().min(1),
    /** SNS topic of the risk desk's notifications. */
    KILL_NOTIFY_TOPIC_ARN: z.string().min(1),
    ...krakenRestConfigShape,
    /** KMS key for new Kraken key secrets. @default the account's aws/secretsmanager key */
    KRAKEN_KEYS_KMS_KEY_ID: z.string().min(1).optional(),
    RELEASE_WINDOW_MS: positiveInt.default(DEFAULT_RELEASE_WINDOW_MS),
    /**
     * Limits what-if: most recorded decisions one request replays (more is a 422
     * WHAT_IF_TOO_MANY_DECISIONS). A replay costs about 0.3 ms of a whole core per decision
     * (measured on a loaded 2-core machine); 5,000 keeps it within a few seconds on the admin
     * Lambda's 512 MB share of a core, under its 10 s timeout.
     */
    WHAT_IF_MAX_DECISIONS: positiveInt.default(5_000),
    /** Limits what-if: longest time range one request replays (longer is a 422 WHAT_IF_RANGE_TOO_LONG). @default 31 days */
    WHAT_IF_MAX_RANGE_MS: positiveInt.default(31 * 86_400_000),
    /** The range of the what-if attached to a limits proposal when it is made. @default 7 days */
    WHAT_IF_DEFAULT_LOOKBACK_MS: positiveInt.default(7 * 86_400_000),
    /** Examples kept per group (each flip direction, each not-replayable list) of a what-if. */
    WHAT_IF_MAX_EXAMPLES: positiveInt.default(20),
    /** A limits or breaker proposal not applied within this is expired (409 PROPOSAL_EXPIRED). @default 24 h */
    CHANGE_PROPOSAL_TTL_MS: positiveInt.default(86_400_000),
    ...stateEpochConfigShape,
  })
  .superRefine((config, ctx) => {
    checkStoresConfig(config, ctx);
    checkStateEpochConfig(config, ctx);
    checkKrakenRestUrl(config, ctx);
  });

export type AdminApiConfig = z.output<typeof adminApiConfigSchema>;

export function loadAdminApiConfig(env: NodeJS.ProcessEnv = process.env): AdminApiConfig {
  return parseConfig(adminApiConfigSchema, env);
}
