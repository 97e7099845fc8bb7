/**
 * Defaults of the ingester's settings, defined once: its config schema falls back to them,
 * its ECS task definition (infra/constructs/market-ingester-service.ts) sets them, and the
 * container health check probes the same port. A file without imports, so the health check
 * bundle stays a few lines.
 */
export const INGESTER_DEFAULTS = {
  KRAKEN_WS_URL: 'wss://ws.kraken.com/v2',
  /** USD spot pairs in Kraken v2 spelling; local mode only (a deployed stage passes its tradedSymbols). */
  KRAKEN_SYMBOLS: ['BTC/USD', 'ETH/USD'],
  /** How often the universe set is read for new symbols. */
  UNIVERSE_REFRESH_MS: 60_000,
  BOOK_DEPTH: 10,
  /** Port of /healthz and /ready. */
  HEALTH_PORT: 8080,
  /** Budget of the SIGTERM flush; below the ECS stop timeout (30 s) so the flush can finish. */
  SHUTDOWN_FLUSH_TIMEOUT_MS: 20_000,
} as const;
