import { connectStores } from '../../shared/adapters/batch-stores.js';
import { SqsPoisonRecordSink } from '../../shared/adapters/poison-sink.js';
import { boundaryMinutes } from '../../shared/config/env.js';
import { BalancesLedger } from './adapters/balances-ledger.js';
import { PositionsLedger } from './adapters/positions-ledger.js';
import { RedisAccountBook } from './adapters/redis-account-book.js';
import { WorkingOrdersLedger } from './adapters/working-orders-ledger.js';
import type { PositionsConfig } from './config.js';
import type { PositionsPorts } from './ports.js';
import { createExecutionsHandler, type PositionsSummary } from './process-batch.js';

/** Composition root of the positions consumer. */
export async function createPositionsApp(
  config: PositionsConfig,
  onSummary?: (summary: PositionsSummary) => void,
  nowMs: () => number = Date.now,
) {
  const stores = await connectStores(config);
  const boundary = boundaryMinutes(config.TRADING_DAY_BOUNDARY_UTC);
  const ports: PositionsPorts = {
    positions: new PositionsLedger(stores.pool, stores.redis, boundary),
    orders: new WorkingOrdersLedger(stores.pool, boundary),
    book: new RedisAccountBook(stores.redis),
    balances: new BalancesLedger(stores.pool, stores.redis),
    poison: new SqsPoisonRecordSink(config.DLQ_URL),
  };
  const handle = createExecutionsHandler(
    ports,
    { nowMs, retentionMs: config.WORKING_ORDER_RETENTION_HOURS * 3_600_000 },
    onSummary,
  );
  return { ports, handle, stores, close: () => stores.close() };
}
