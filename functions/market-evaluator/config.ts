import * as z from 'zod';
import { refineStoreConfig, storeConfigShape } from '../../shared/adapters/batch-stores.js';
import { baseConfigShape, booleanFlag, httpUrl, parseConfig, positiveInt } from '../../shared/config/env.js';
import { checkStateEpochConfig, stateEpochConfigShape } from '../../shared/config/state-epoch.js';

/** Configuration of the market evaluator, parsed once per cold start. */
export const marketEvaluatorConfigSchema = z
  .object({
    ...baseConfigShape,
    ...storeConfigShape,
    ...stateEpochConfigShape,
    /** SQS queue for poison records (the event source mapping's on-failure queue). */
    DLQ_URL: httpUrl,
    /** `aurora` (partitioned tables, default) or `timestream` (stages that have it). */
    TIME_SERIES_SINK: z.enum(['aurora', 'timestream']).default('aurora'),
    /** Ticks are the bulk of the writes; a stage may keep bars only. */
    WRITE_TICKS: booleanFlag.default(true),
    TIMESTREAM_ENDPOINT: httpUrl.optional(),
    TIMESTREAM_DATABASE: z.string().min(1).optional(),
    TIMESTREAM_TICKS_TABLE: z.string().min(1).optional(),
    TIMESTREAM_BARS_TABLE: z.string().min(1).optional(),
    BREAKER_CONFIG_TTL_MS: positiveInt.default(30_000),
    BREAKER_CONFIG_MAX_STALE_MS: positiveInt.default(600_000),
  })
  .superRefine((config, ctx) => {
    refineStoreConfig(config, ctx);
    checkStateEpochConfig(config, ctx);
    if (config.TIME_SERIES_SINK === 'timestream') {
      for (const key of [
        'TIMESTREAM_ENDPOINT',
        'TIMESTREAM_DATABASE',
        'TIMESTREAM_TICKS_TABLE',
        'TIMESTREAM_BARS_TABLE',
      ] as const) {
        if (!config[key])
          ctx.addIssue({ code: 'custom', path: [key], message: 'required with TIME_SERIES_SINK=timestream' });
      }
    }
  });

export type MarketEvaluatorConfig = z.output<typeof marketEvaluatorConfigSchema>;

export function loadMarketEvaluatorConfig(env: NodeJS.ProcessEnv = process.env): MarketEvaluatorConfig {
  return parseConfig(marketEvaluatorConfigSchema, env);
}
