import * as z from 'zod';
import { baseConfigShape, PRODUCTION_STAGE, parseConfig, positiveInt } from '../../shared/config/env.js';
import { checkDatabaseConfig, storesConfigShape } from '../../shared/config/stores.js';

/**
 * The audit trail's promised minimum in production (docs/data-durability.md, "Retention of
 * the partitioned tables"): seven years of 365.25 days. Production refuses a shorter setting.
 */
export const PROD_MIN_DECISION_RETENTION_DAYS = 2557;

/** Today and yesterday are never dropped, whatever a stage sets. */
const retentionDays = positiveInt.min(2, 'at least 2 days: today and yesterday are never dropped');

/**
 * The partition-maintenance job reaches PostgreSQL only. Retention is per table and per
 * stage (infra sets the stage's values); the defaults are the production ones, so an unset
 * variable never shortens what is kept.
 */
export const partitionMaintenanceConfigSchema = z
  .object({
    ...baseConfigShape,
    ...storesConfigShape,
    /** Moving a day of DEFAULT rows copies them: a minute, not the request path's second. */
    DATABASE_STATEMENT_TIMEOUT_MS: positiveInt.default(120_000),
    /** How long a step waits for a table lock before giving up until the next run. */
    PARTITION_LOCK_TIMEOUT_MS: positiveInt.default(5_000),
    /** Days after today that must have a partition; the migrations made 8. */
    PARTITION_DAYS_AHEAD: positiveInt.min(2).max(366).default(14),
    RETENTION_RISK_DECISIONS_DAYS: retentionDays.default(PROD_MIN_DECISION_RETENTION_DAYS),
    RETENTION_MARKET_TICKS_DAYS: retentionDays.default(90),
    RETENTION_MARKET_BARS_DAYS: retentionDays.default(730),
  })
  .superRefine((config, ctx) => {
    checkDatabaseConfig(config, ctx);
    if (config.STAGE === PRODUCTION_STAGE && config.RETENTION_RISK_DECISIONS_DAYS < PROD_MIN_DECISION_RETENTION_DAYS) {
      ctx.addIssue({
        code: 'custom',
        path: ['RETENTION_RISK_DECISIONS_DAYS'],
        message: `is refused below ${PROD_MIN_DECISION_RETENTION_DAYS} when STAGE=${PRODUCTION_STAGE}: the decision audit is kept seven years`,
      });
    }
  });

export type PartitionMaintenanceConfig = z.output<typeof partitionMaintenanceConfigSchema>;

export function loadPartitionMaintenanceConfig(env: NodeJS.ProcessEnv = process.env): PartitionMaintenanceConfig {
  return parseConfig(partitionMaintenanceConfigSchema, env);
}
