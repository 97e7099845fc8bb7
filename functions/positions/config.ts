import { z } from 'zod';
import { baseConfigShape, httpUrl, parseConfig } from '../../shared/config/env.js';
import { refineStoreConfig, storeConfigShape } from '../market-evaluator/stores.js';

/** Configuration of the positions consumer, parsed once per cold start. */
export const positionsConfigSchema = z
  .object({
    ...baseConfigShape,
    ...storeConfigShape,
    DLQ_URL: httpUrl,
    /** Start of the trading day, HH:MM UTC; daily loss and fee counters reset there. */
    TRADING_DAY_BOUNDARY_UTC: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM (UTC)')
      .default('00:00'),
  })
  .superRefine(refineStoreConfig);

export type PositionsConfig = z.output<typeof positionsConfigSchema>;

export function boundaryMinutes(config: Pick<PositionsConfig, 'TRADING_DAY_BOUNDARY_UTC'>): number {
  const [h, m] = config.TRADING_DAY_BOUNDARY_UTC.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

export function loadPositionsConfig(env: NodeJS.ProcessEnv = process.env): PositionsConfig {
  return parseConfig(positionsConfigSchema, env);
}
