import * as z from 'zod';
import { baseConfigShape, parseConfig } from '../../shared/config/env.js';
import { checkDatabaseConfig, storesConfigShape } from '../../shared/config/stores.js';

/** The schema migrator reaches PostgreSQL only (through RDS Proxy with IAM auth in AWS). */
export const migratorConfigSchema = z
  .object({ ...baseConfigShape, ...storesConfigShape })
  .superRefine((config, ctx) => checkDatabaseConfig(config, ctx));

export type MigratorConfig = z.output<typeof migratorConfigSchema>;

export function loadMigratorConfig(env: NodeJS.ProcessEnv = process.env): MigratorConfig {
  return parseConfig(migratorConfigSchema, env);
}
