import * as z from 'zod';
import { baseConfigShape, PRODUCTION_STAGE, parseConfig, positiveInt } from '../../shared/config/env.js';
import { checkDatabaseConfig, storesConfigShape } from '../../shared/config/stores.js';

/**
 * The schema migrator reaches PostgreSQL only (through RDS Proxy with IAM auth in AWS). The
 * stage's retention (the partition-maintenance job's settings, infra passes the same values)
 * raises the database's drop floors after the migrations; unset, the floors stay as they are.
 */
export const migratorConfigSchema = z
  .object({
    ...baseConfigShape,
    ...storesConfigShape,
    RETENTION_RISK_DECISIONS_DAYS: positiveInt.min(2).optional(),
    RETENTION_MARKET_TICKS_DAYS: positiveInt.min(2).optional(),
    RETENTION_MARKET_BARS_DAYS: positiveInt.min(2).optional(),
  })
  .superRefine((config, ctx) => {
    checkDatabaseConfig(config, ctx);
    const set = [
      config.RETENTION_RISK_DECISIONS_DAYS,
      config.RETENTION_MARKET_TICKS_DAYS,
      config.RETENTION_MARKET_BARS_DAYS,
    ];
    if (set.some((v) => v !== undefined) && set.some((v) => v === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['RETENTION_RISK_DECISIONS_DAYS'],
        message: 'set all three RETENTION_*_DAYS or none',
      });
    }
    if (config.STAGE === PRODUCTION_STAGE && set.some((v) => v === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['RETENTION_RISK_DECISIONS_DAYS'],
        message: `is required when STAGE=${PRODUCTION_STAGE}: it raises the floor that keeps seven years of audit`,
      });
    }
  });

export type MigratorConfig = z.output<typeof migratorConfigSchema>;

export function loadMigratorConfig(env: NodeJS.ProcessEnv = process.env): MigratorConfig {
  return parseConfig(migratorConfigSchema, env);
}
