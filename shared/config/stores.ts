import * as z from 'zod';
import { booleanFlag, positiveInt } from './env.js';

/**
 * Settings of the two stores every stateful unit reaches: Redis (ElastiCache) and
 * PostgreSQL (Aurora through RDS Proxy). Units spread this shape into their own schema and
 * call {@link checkStoresConfig} from its superRefine.
 */
export const storesConfigShape = {
  REDIS_HOST: z.string().min(1).optional(),
  REDIS_PORT: positiveInt.default(6379),
  REDIS_DB: z.coerce.number().int().min(0).default(0),
  REDIS_TLS: booleanFlag.default(true),
  /** Secrets Manager id of the ElastiCache auth token. */
  REDIS_AUTH_SECRET_ID: z.string().min(1).optional(),
  REDIS_COMMAND_TIMEOUT_MS: positiveInt.default(100),
  REDIS_CONNECT_TIMEOUT_MS: positiveInt.default(500),
  DATABASE_HOST: z.string().min(1).optional(),
  DATABASE_PORT: positiveInt.default(5432),
  DATABASE_NAME: z.string().min(1).default('riskgate'),
  /**
   * The unit's own login user (migration 011; infra/constructs/store-access.ts sets it per
   * function). With DATABASE_URL (local) it replaces the URL's user.
   */
  DATABASE_USER: z.string().min(1).optional(),
  /** `iam`: a fresh IAM token per connection (RDS Proxy); `secret`: password from DATABASE_SECRET_ID. */
  DATABASE_AUTH: z.enum(['iam', 'secret']).default('iam'),
  /** Secrets Manager id of `{"username","password"}`, with DATABASE_AUTH=secret. */
  DATABASE_SECRET_ID: z.string().min(1).optional(),
  /** PEM bundle verifying the database (the RDS CA layer's file in Lambda). */
  DATABASE_CA_FILE: z.string().min(1).optional(),
  AWS_REGION: z.string().min(1).optional(),
  /** Local only: a full URL with credentials. Refused in production (secrets come from Secrets Manager). */
  DATABASE_URL: z.string().min(1).optional(),
  DATABASE_TLS: booleanFlag.default(true),
  DATABASE_STATEMENT_TIMEOUT_MS: positiveInt.default(1_000),
};

const storesObject = z.object({ STAGE: z.string(), ...storesConfigShape });
export type StoresConfig = z.output<typeof storesObject>;

/** Cross-field rules: what must be set together, and what production refuses. */
export function checkStoresConfig(config: StoresConfig, ctx: z.RefinementCtx): void {
  if (!config.REDIS_HOST) ctx.addIssue({ code: 'custom', path: ['REDIS_HOST'], message: 'required' });
  checkDatabaseConfig(config, ctx);
}

/** The database half of {@link checkStoresConfig}, for units that reach only PostgreSQL. */
export function checkDatabaseConfig(config: StoresConfig, ctx: z.RefinementCtx): void {
  if (!config.DATABASE_URL && !config.DATABASE_HOST) {
    ctx.addIssue({ code: 'custom', path: ['DATABASE_HOST'], message: 'required (or DATABASE_URL locally)' });
  }
  if (config.DATABASE_HOST && !config.DATABASE_URL) {
    if (!config.DATABASE_USER) {
      ctx.addIssue({ code: 'custom', path: ['DATABASE_USER'], message: 'required with DATABASE_HOST' });
    }
    if (config.DATABASE_AUTH === 'secret' && !config.DATABASE_SECRET_ID) {
      ctx.addIssue({ code: 'custom', path: ['DATABASE_SECRET_ID'], message: 'required with DATABASE_AUTH=secret' });
    }
    if (config.DATABASE_AUTH === 'iam' && !config.AWS_REGION) {
      ctx.addIssue({ code: 'custom', path: ['AWS_REGION'], message: 'required with DATABASE_AUTH=iam' });
    }
  }
  if (config.STAGE === 'prod' && config.DATABASE_URL) {
    ctx.addIssue({
      code: 'custom',
      path: ['DATABASE_URL'],
      message: 'is refused when STAGE=prod: database credentials come from IAM auth or DATABASE_SECRET_ID',
    });
  }
}
