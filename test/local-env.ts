import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DatabaseUnit, databaseLoginUser } from '../shared/names.js';

/**
 * Endpoints of the local stand-ins, from scripts/local.env (the one file the shell
 * scripts source too). Values already in the environment win, so a machine with a Docker
 * LocalStack or other ports only needs to export the variables.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function readEnvFile(file: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match?.[1]) values[match[1]] = match[2] ?? '';
  }
  return values;
}

const fileValues = readEnvFile(path.join(ROOT, 'scripts', 'local.env'));
const value = (key: string): string => {
  const found = process.env[key] ?? fileValues[key];
  if (found === undefined) throw new Error(`${key} is missing from scripts/local.env and the environment`);
  return found;
};

export const local = {
  root: ROOT,
  pgHost: value('PGHOST'),
  pgPort: Number(value('PGPORT')),
  dbUser: value('LOCAL_DB_USER'),
  dbPassword: value('LOCAL_DB_PASSWORD'),
  dbName: value('LOCAL_DB_NAME'),
  testDbName: value('TEST_DB_NAME'),
  redisHost: value('REDIS_HOST'),
  redisPort: Number(value('REDIS_PORT')),
  testRedisDb: Number(value('TEST_REDIS_DB')),
  kinesisEndpoint: process.env.AWS_ENDPOINT_URL_KINESIS ?? `http://127.0.0.1:${value('KINESIS_PLAIN_PORT')}`,
  awsEndpoint: process.env.AWS_ENDPOINT_URL ?? `http://127.0.0.1:${value('AWS_EMULATOR_PORT')}`,
  timestreamEndpoint:
    process.env.AWS_ENDPOINT_URL_TIMESTREAM_WRITE ?? `http://127.0.0.1:${value('TIMESTREAM_EMULATOR_PORT')}`,
  region: value('AWS_REGION'),
  accessKeyId: value('AWS_ACCESS_KEY_ID'),
  secretAccessKey: value('AWS_SECRET_ACCESS_KEY'),
} as const;

export function databaseUrl(dbName: string = local.testDbName): string {
  return `postgres://${local.dbUser}:${encodeURIComponent(local.dbPassword)}@${local.pgHost}:${local.pgPort}/${dbName}`;
}

export function redisUrl(db: number = local.testRedisDb): string {
  return `redis://${local.redisHost}:${local.redisPort}/${db}`;
}

/** The environment the AWS SDK clients read their endpoints and credentials from. */
export function awsEnvironment(): Record<string, string> {
  return {
    AWS_REGION: local.region,
    AWS_DEFAULT_REGION: local.region,
    AWS_ACCESS_KEY_ID: local.accessKeyId,
    AWS_SECRET_ACCESS_KEY: local.secretAccessKey,
    AWS_ENDPOINT_URL: local.awsEndpoint,
    AWS_ENDPOINT_URL_KINESIS: local.kinesisEndpoint,
    AWS_ENDPOINT_URL_TIMESTREAM_WRITE: local.timestreamEndpoint,
  };
}

/**
 * The store settings (as environment strings) that point a unit at the local test stores:
 * the test database and Redis db, plaintext on loopback. Spread into a config schema's input.
 */
export function localStoreEnv(unit?: DatabaseUnit): Record<string, string> {
  return {
    // A unit's test connects as its own login user (migration 011): its grants are tested too.
    ...(unit ? { DATABASE_USER: databaseLoginUser(unit) } : {}),
    STAGE: 'local',
    REDIS_HOST: local.redisHost,
    REDIS_PORT: String(local.redisPort),
    REDIS_DB: String(local.testRedisDb),
    REDIS_TLS: 'false',
    DATABASE_URL: databaseUrl(),
    DATABASE_TLS: 'false',
  };
}
