import { connectStores } from '../../shared/adapters/batch-stores.js';
import { SqsPoisonRecordSink } from '../../shared/adapters/poison-sink.js';
import { boundaryMinutes } from '../../shared/config/env.js';
import { PositionsLedger } from './adapters/positions-ledger.js';
import type { PositionsConfig } from './config.js';
import { createExecutionsHandler, type PositionsSummary } from './process-batch.js';

/** Composition root of the positions consumer. */
export async function createPositionsApp(config: PositionsConfig, onSummary?: (summary: PositionsSummary) => void) {
  const stores = await connectStores(config);
  const ledger = new PositionsLedger(stores.pool, stores.redis, boundaryMinutes(config.TRADING_DAY_BOUNDARY_UTC));
  const handle = createExecutionsHandler(ledger, new SqsPoisonRecordSink(config.DLQ_URL), onSummary);
  return { ledger, handle, stores, close: () => stores.close() };
}
