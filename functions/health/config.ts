import * as z from 'zod';
import { baseConfigShape, parseConfig } from '../../shared/config/env.js';

export const healthConfigSchema = z.object({
  ...baseConfigShape,
  /** Git revision or build id baked in at deploy time, reported by the endpoint. */
  BUILD_VERSION: z.string().min(1),
});

export type HealthConfig = z.output<typeof healthConfigSchema>;

export function loadHealthConfig(env: NodeJS.ProcessEnv = process.env): HealthConfig {
  return parseConfig(healthConfigSchema, env);
}
