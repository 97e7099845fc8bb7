import * as z from 'zod';
import { positiveInt } from '../config/env.js';
import { checkStoresConfig, type StoresConfig, storesConfigShape } from '../config/stores.js';
import { SecretReader } from './secrets.js';
import { connectStores as connectShared, type Stores } from './stores.js';

/**
 * Store settings of the evaluator Lambdas (market-evaluator, positions, reference-prices,
 * universe): the shared store settings with budgets for batch consumers, which write
 * pipelines of hundreds of commands and may retry a batch safely.
 */
export const storeConfigShape = {
  ...storesConfigShape,
  REDIS_HOST: z.string().min(1),
  REDIS_COMMAND_TIMEOUT_MS: positiveInt.default(2_000),
  DATABASE_STATEMENT_TIMEOUT_MS: positiveInt.default(5_000),
};

/** Cross-field rules of the store settings, for a schema's superRefine. */
export const refineStoreConfig = checkStoresConfig;

export type { Stores };

/** Connects Redis (eagerly, failing the cold start if it cannot) and builds the Postgres pool. */
export function connectStores(config: StoresConfig, secrets = new SecretReader()): Promise<Stores> {
  return connectShared(config, secrets, { requireRedis: true, connectTimeoutMs: 2_000 });
}
