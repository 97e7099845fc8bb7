import { connectDatabase } from '../../shared/adapters/stores.js';
import { logger } from '../../shared/runtime/observability.js';
import { hasDatabase, loadIngesterConfig } from './config.js';
import { startIngester } from './ingester.js';

/**
 * Container entry point (ECS Fargate). Config is parsed once; a bad variable stops the
 * process with its name. SIGTERM (ECS stop, deploy, scale-in) flushes Kinesis and Redis
 * within SHUTDOWN_FLUSH_TIMEOUT_MS, which the task definition keeps under its stop timeout.
 */
const config = loadIngesterConfig();
// Kraken's instrument catalog goes to PostgreSQL too (always outside STAGE=local).
const pool = hasDatabase(config) ? connectDatabase(config) : undefined;
const ingester = await startIngester(config, { pool });
logger.info('market ingester started', {
  symbols: config.KRAKEN_SYMBOLS,
  depth: config.BOOK_DEPTH,
  stream: config.MARKET_EVENTS_STREAM,
  healthPort: ingester.healthPort,
});

let exiting = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    if (exiting) return;
    exiting = true;
    logger.info('shutting down: flushing buffers', { signal });
    ingester
      .stop()
      .then(() => pool?.end())
      .then(() => {
        const { queued, published, overflow, lost } = ingester.batcher.stats;
        logger.info('shutdown complete', {
          queued,
          published,
          overflow,
          lost,
          unpublished: ingester.batcher.buffered(),
        });
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error('shutdown failed', { error: String(error) });
        process.exit(1);
      });
  });
}
