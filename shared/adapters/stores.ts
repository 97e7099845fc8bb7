import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { StoresConfig } from '../config/stores.js';
import { iamAuthTokenProvider, readCaBundle, secretPasswordProvider } from './postgres/auth.js';
import { createPostgresPool, type PostgresConnectionConfig } from './postgres/pool.js';
import { createRedisClient } from './redis/client.js';
import { SecretReader } from './secrets.js';

export interface Stores {
  readonly redis: Redis;
  readonly pool: pg.Pool;
  readonly secrets: SecretReader;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /**
   * Fail the cold start when Redis does not answer (batch consumers, whose retries are
   * safe). The risk API leaves it false: it must start and reject per request instead.
   * @default false
   */
  readonly requireRedis?: boolean;
  /** @default 1000 */
  readonly connectTimeoutMs?: number;
}

/**
 * Connects to Redis and PostgreSQL from a validated {@link StoresConfig}: TLS by default,
 * the Redis auth token from Secrets Manager, IAM tokens (or a rotating secret) for the
 * database. A cold start with Redis down still completes: callers fail closed per request
 * and the client reconnects in the background.
 */
export async function connectStores(
  config: StoresConfig,
  secrets: SecretReader = new SecretReader(),
  options: ConnectOptions = {},
): Promise<Stores> {
  const redisPassword = config.REDIS_AUTH_SECRET_ID ? await secrets.getString(config.REDIS_AUTH_SECRET_ID) : undefined;
  const redis = createRedisClient({
    host: config.REDIS_HOST as string,
    port: config.REDIS_PORT,
    db: config.REDIS_DB,
    tls: config.REDIS_TLS,
    password: redisPassword,
    commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
    connectTimeoutMs: options.connectTimeoutMs ?? config.REDIS_CONNECT_TIMEOUT_MS,
  });
  const connecting = redis.connect();
  if (options.requireRedis) await connecting;
  else await connecting.catch(() => undefined);
  const pool = connectDatabase(config, secrets, options);
  return {
    redis,
    pool,
    secrets,
    close: async () => {
      redis.disconnect();
      await pool.end();
    },
  };
}

/** The PostgreSQL pool alone (TLS, IAM token or rotating secret), for units that need no Redis. */
export function connectDatabase(
  config: StoresConfig,
  secrets: SecretReader = new SecretReader(),
  options: Pick<ConnectOptions, 'connectTimeoutMs'> = {},
): pg.Pool {
  return createPostgresPool({
    ...databaseConnection(config, secrets),
    tls: config.DATABASE_TLS,
    ca: config.DATABASE_TLS && config.DATABASE_CA_FILE ? readCaBundle(config.DATABASE_CA_FILE) : undefined,
    statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
    connectTimeoutMs: options.connectTimeoutMs ?? 1_000,
  });
}

/** Local: a URL. AWS: the proxy host with an IAM token per connection (or a rotating secret). */
function databaseConnection(config: StoresConfig, secrets: SecretReader): Partial<PostgresConnectionConfig> {
  if (config.DATABASE_URL) return { connectionString: config.DATABASE_URL, user: config.DATABASE_USER };
  const host = config.DATABASE_HOST as string;
  const user = config.DATABASE_USER as string;
  const password =
    config.DATABASE_AUTH === 'iam'
      ? iamAuthTokenProvider({
          hostname: host,
          port: config.DATABASE_PORT,
          username: user,
          region: config.AWS_REGION as string,
        })
      : secretPasswordProvider(secrets, config.DATABASE_SECRET_ID as string);
  return { host, port: config.DATABASE_PORT, database: config.DATABASE_NAME, user, password };
}
