import pg from 'pg';

/**
 * How to reach PostgreSQL (Aurora through RDS Proxy in AWS). TLS with server verification
 * is the default; only an explicit local config turns it off.
 */
export interface PostgresConnectionConfig {
  readonly connectionString: string;
  readonly tls: boolean;
  /** PEM bundle to verify the server (the RDS CA bundle from the layer in AWS). */
  readonly ca?: string;
  /** Connections per process; Lambda wants 1-2, a long-lived service more. @default 2 */
  readonly maxConnections?: number;
  /** @default 1000 */
  readonly connectTimeoutMs?: number;
  /** Server-side cap on a statement. @default 2000 */
  readonly statementTimeoutMs?: number;
  /** Told when an idle connection dies (the pool replaces it on next use). */
  readonly onIdleError?: (error: Error) => void;
}

export function createPostgresPool(config: PostgresConnectionConfig): pg.Pool {
  const pool = new pg.Pool({
    connectionString: config.connectionString,
    ssl: config.tls ? { rejectUnauthorized: true, ca: config.ca } : false,
    max: config.maxConnections ?? 2,
    connectionTimeoutMillis: config.connectTimeoutMs ?? 1_000,
    idleTimeoutMillis: 60_000,
    statement_timeout: config.statementTimeoutMs ?? 2_000,
    query_timeout: (config.statementTimeoutMs ?? 2_000) + 500,
    application_name: 'risk-gate',
  });
  // An idle client that loses its server emits 'error' on the pool; without a listener
  // that would crash the process. The next query reconnects or fails on its own.
  pool.on('error', (error) => config.onIdleError?.(error));
  return pool;
}
