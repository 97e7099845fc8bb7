import type { Redis } from 'ioredis';
import type pg from 'pg';
import { z } from 'zod';
import { iamAuthTokenProvider, readCaBundle, secretPasswordProvider } from '../../shared/adapters/postgres/auth.js';
import { createPostgresPool, type PostgresConnectionConfig } from '../../shared/adapters/postgres/pool.js';
import { createRedisClient } from '../../shared/adapters/redis/client.js';
import { SecretReader } from '../../shared/adapters/secrets.js';
import { booleanFlag, positiveInt } from '../../shared/config/env.js';

/**
 * Store settings shared by the evaluator Lambdas (market-evaluator, positions,
 * reference-prices, universe): ElastiCache with the AUTH token from Secrets Manager, Aurora
 * through RDS Proxy with IAM tokens, TLS to both. `DATABASE_URL` and `REDIS_TLS=false` are
 * for local runs and refused in production by the shared guards.
 */
export const storeConfigShape = {
  REDIS_HOST: z.string().min(1),
  REDIS_PORT: positiveInt.default(6379),
  REDIS_DB: z.coerce.number().int().min(0).default(0),
  REDIS_TLS: booleanFlag.default(true),
  REDIS_AUTH_SECRET_ID: z.string().min(1).optional(),
  /** Batch consumers write pipelines of hundreds of commands: a looser budget than the risk API's. */
  REDIS_COMMAND_TIMEOUT_MS: positiveInt.default(2_000),
  DATABASE_HOST: z.string().min(1).optional(),
  DATABASE_PORT: positiveInt.default(5432),
  DATABASE_NAME: z.string().min(1).default('riskgate'),
  DATABASE_USER: z.string().min(1).optional(),
  DATABASE_AUTH: z.enum(['iam', 'secret']).default('iam'),
  DATABASE_SECRET_ID: z.string().min(1).optional(),
  DATABASE_CA_FILE: z.string().min(1).optional(),
  AWS_REGION: z.string().min(1).optional(),
  DATABASE_URL: z.string().min(1).optional(),
  DATABASE_TLS: booleanFlag.default(true),
  DATABASE_STATEMENT_TIMEOUT_MS: positiveInt.default(5_000),
};

type StoreConfig = z.output<z.ZodObject<typeof storeConfigShape>> & { STAGE: string };

/** Cross-field rules of the store settings, for a schema's superRefine. */
export function refineStoreConfig(config: StoreConfig, ctx: z.RefinementCtx): void {
  if (!config.DATABASE_URL && !config.DATABASE_HOST) {
    ctx.addIssue({ code: 'custom', path: ['DATABASE_HOST'], message: 'required (or DATABASE_URL locally)' });
  }
  if (config.DATABASE_HOST && !config.DATABASE_URL) {
    if (!config.DATABASE_USER)
      ctx.addIssue({ code: 'custom', path: ['DATABASE_USER'], message: 'required with DATABASE_HOST' });
    if (config.DATABASE_AUTH === 'secret' && !config.DATABASE_SECRET_ID) {
      ctx.addIssue({ code: 'custom', path: ['DATABASE_SECRET_ID'], message: 'required with DATABASE_AUTH=secret' });
    }
    if (config.DATABASE_AUTH === 'iam' && !config.AWS_REGION) {
      ctx.addIssue({ code: 'custom', path: ['AWS_REGION'], message: 'required with DATABASE_AUTH=iam' });
    }
  }
  if (config.STAGE === 'prod' && config.DATABASE_URL) {
    ctx.addIssue({ code: 'custom', path: ['DATABASE_URL'], message: 'is refused when STAGE=prod' });
  }
}

export interface Stores {
  readonly redis: Redis;
  readonly pool: pg.Pool;
  readonly secrets: SecretReader;
  close(): Promise<void>;
}

/** Connects Redis (eagerly, failing the cold start if it cannot) and builds the Postgres pool. */
export async function connectStores(config: StoreConfig, secrets = new SecretReader()): Promise<Stores> {
  const password = config.REDIS_AUTH_SECRET_ID ? await secrets.getString(config.REDIS_AUTH_SECRET_ID) : undefined;
  const redis = createRedisClient({
    host: config.REDIS_HOST,
    port: config.REDIS_PORT,
    db: config.REDIS_DB,
    tls: config.REDIS_TLS,
    password,
    commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
    connectTimeoutMs: 2_000,
  });
  await redis.connect();
  const pool = createPostgresPool({
    ...databaseConnection(config, secrets),
    tls: config.DATABASE_TLS,
    ca: config.DATABASE_TLS && config.DATABASE_CA_FILE ? readCaBundle(config.DATABASE_CA_FILE) : undefined,
    statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
    connectTimeoutMs: 2_000,
  });
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

function databaseConnection(config: StoreConfig, secrets: SecretReader): Partial<PostgresConnectionConfig> {
  if (config.DATABASE_URL) return { connectionString: config.DATABASE_URL };
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
