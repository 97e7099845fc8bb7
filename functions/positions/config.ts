import { z } from 'zod';
import { refineStoreConfig, storeConfigShape } from '../../shared/adapters/batch-stores.js';
import { baseConfigShape, httpUrl, parseConfig } from '../../shared/config/env.js';

/** Configuration of the positions consumer, parsed once per cold start. */
export const positionsConfigSchema = z
  .object({
    ...baseConfigShape,
    ...storeConfigShape,
    DLQ_URL: httpUrl,
  })
  .superRefine(refineStoreConfig);

export type PositionsConfig = z.output<typeof positionsConfigSchema>;

export function loadPositionsConfig(env: NodeJS.ProcessEnv = process.env): PositionsConfig {
  return parseConfig(positionsConfigSchema, env);
}
