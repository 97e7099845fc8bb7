import pg from 'pg';

/** A fixed password, or a function asked for one on every new connection (IAM token, rotating secret). */
export type PasswordSource = string | (() => Promise<string>);

/**
 * How to reach PostgreSQL (Aurora through RDS Proxy in AWS). TLS with server verification
 * is the default; only an explicit local config turns it off, and only for a loopback host.
 */
export interface PostgresConnectionConfig {
  /**
   * `postgres://user[:password]@host:port/db`. TLS is set by `tls` and `ca` only: a URL
   * carrying `sslmode`/`ssl` is refused, because pg lets the URL override the TLS options.
   */
  readonly connectionString?: string;
  /** Used when there is no connection string (the AWS path). */
  readonly host?: string;
  /** @default 5432 */
  readonly port?: number;
  readonly database?: string;
  /** Wins over the URL's user: locally, one URL serves every unit's login user (migration 011). */
  readonly user?: string;
  /** Overrides a password in the URL; a function is called for each new connection. */
  readonly password?: PasswordSource;
  readonly tls: boolean;
  /** PEM bundle to verify the server (the RDS CA bundle from the layer in AWS). */
  readonly ca?: string;
  /** Name the server certificate must carry, when it is not the host connected to. @default host */
  readonly servername?: string;
  /** Connections per process; Lambda wants 1-2, a long-lived service more. @default 2 */
  readonly maxConnections?: number;
  /** Covers TCP connect, TLS handshake and authentication. @default 1000 */
  readonly connectTimeoutMs?: number;
  /** Server-side cap on a statement. @default 2000 */
  readonly statementTimeoutMs?: number;
  /** Close connections idle this long (RDS Proxy closes them after 15 min anyway). @default 60000 */
  readonly idleTimeoutMs?: number;
  /** Told when an idle connection dies (the pool replaces it on next use). */
  readonly onIdleError?: (error: Error) => void;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/** True for hosts that never leave this machine: the only ones plaintext is allowed to. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * The pg pool options for a config, after refusing unsafe ones: plaintext to anything but
 * loopback, TLS settings smuggled in through the URL, no host at all.
 */
export function postgresPoolOptions(config: PostgresConnectionConfig): pg.PoolConfig {
  let host = config.host;
  let connectionString = config.connectionString;
  if (connectionString) {
    const url = new URL(connectionString);
    for (const key of url.searchParams.keys()) {
      if (/^(ssl|sslmode|sslcert|sslkey|sslrootcert|sslcrl)$/i.test(key)) {
        throw new Error(`the Postgres URL must not set "${key}": TLS is configured by tls/ca, not the URL`);
      }
    }
    host = url.hostname || host;
    // pg lets the URL override `user`; the explicit user is the one meant.
    if (config.user) {
      url.username = encodeURIComponent(config.user);
      connectionString = url.toString();
    }
  }
  if (!host) throw new Error('Postgres config needs a host or a connection string');
  if (!config.tls && !isLoopbackHost(host)) {
    throw new Error(`refusing a plaintext Postgres connection to ${host}: tls=false is for a loopback host only`);
  }
  const statementTimeout = config.statementTimeoutMs ?? 2_000;
  return {
    connectionString,
    host: connectionString ? undefined : config.host,
    port: connectionString ? undefined : (config.port ?? 5432),
    database: config.database,
    user: config.user,
    password: config.password,
    ssl: config.tls
      ? {
          rejectUnauthorized: true,
          ca: config.ca,
          servername: config.servername,
          minVersion: 'TLSv1.2',
        }
      : false,
    max: config.maxConnections ?? 2,
    connectionTimeoutMillis: config.connectTimeoutMs ?? 1_000,
    idleTimeoutMillis: config.idleTimeoutMs ?? 60_000,
    statement_timeout: statementTimeout,
    // Client-side backstop for a server or proxy that stops answering mid-query.
    query_timeout: statementTimeout + 500,
    lock_timeout: statementTimeout,
    idle_in_transaction_session_timeout: 10_000,
    keepAlive: true,
    application_name: 'risk-gate',
  };
}

export function createPostgresPool(config: PostgresConnectionConfig): pg.Pool {
  const pool = new pg.Pool(postgresPoolOptions(config));
  // An idle client that loses its server emits 'error' on the pool; without a listener
  // that would crash the process. The next query reconnects or fails on its own.
  pool.on('error', (error) => config.onIdleError?.(error));
  return pool;
}
