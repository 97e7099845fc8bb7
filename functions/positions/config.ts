import * as z from 'zod';
import { refineStoreConfig, storeConfigShape } from '../../shared/adapters/batch-stores.js';
import { baseConfigShape, httpUrl, parseConfig, positiveInt } from '../../shared/config/env.js';

/** Kinesis keeps (and so may redeliver) a record for 24 h; tombstones must outlast that. */
export const KINESIS_REDELIVERY_HOURS = 24;

/** Configuration of the positions consumer, parsed once per cold start. */
export const positionsConfigSchema = z
  .object({
    ...baseConfigShape,
    ...storeConfigShape,
    DLQ_URL: httpUrl,
    /**
     * How long closed orders, applied order-event keys and reservation releases are kept
     * before pruning. A redelivered event older than this would be applied again.
     */
    WORKING_ORDER_RETENTION_HOURS: positiveInt
      .refine((hours) => hours > KINESIS_REDELIVERY_HOURS, {
        message: `must exceed Kinesis' ${KINESIS_REDELIVERY_HOURS} h redelivery window`,
      })
      .default(48),
  })
  .superRefine(refineStoreConfig);

export type PositionsConfig = z.output<typeof positionsConfigSchema>;

export function loadPositionsConfig(env: NodeJS.ProcessEnv = process.env): PositionsConfig {
  return parseConfig(positionsConfigSchema, env);
}
