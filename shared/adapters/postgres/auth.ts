import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Signer } from '@aws-sdk/rds-signer';
import type { SecretReader } from '../secrets.js';
import type { PasswordSource, PostgresConnectionConfig } from './pool.js';

/** Where the RDS CA bundle layer (layers/rds-ca-bundle) puts its PEM inside a function. */
export const RDS_CA_BUNDLE_PATH = '/opt/rds-ca/rds-ca-bundle.pem';

/**
 * Reads a PEM CA bundle and checks that it holds at least one certificate, so a missing or
 * empty layer fails at cold start with the path in the message, not as a TLS error later.
 */
export function readCaBundle(file: string = RDS_CA_BUNDLE_PATH): string {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`CA bundle ${file} cannot be read (is the RDS CA layer attached?)`, { cause: error });
  }
  const first = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem);
  if (!first) throw new Error(`CA bundle ${file} holds no PEM certificate`);
  new X509Certificate(first[0]);
  return pem;
}

export interface IamAuthOptions {
  readonly hostname: string;
  readonly port: number;
  readonly username: string;
  readonly region: string;
  /** @default the SDK's default chain (the function's role in Lambda) */
  readonly credentials?: ConstructorParameters<typeof Signer>[0]['credentials'];
}

/**
 * A password source that signs a fresh 15-minute IAM auth token for each new connection
 * (local SigV4 signing, no network call). Used with RDS Proxy's `IAMAuth: REQUIRED`, so a
 * rotation of the database secret never reaches the functions.
 */
export function iamAuthTokenProvider(options: IamAuthOptions): () => Promise<string> {
  const signer = new Signer({
    hostname: options.hostname,
    port: options.port,
    username: options.username,
    region: options.region,
    credentials: options.credentials,
  });
  return () => signer.getAuthToken();
}

/**
 * A password source reading `password` from a JSON secret (`{"username","password"}`, the
 * shape RDS rotation writes). The reader caches, so a rotation is seen within its max age.
 */
export function secretPasswordProvider(reader: SecretReader, secretId: string): () => Promise<string> {
  return async () => {
    const secret = await reader.getJson<{ password?: unknown }>(secretId);
    if (typeof secret.password !== 'string' || secret.password.length === 0) {
      throw new Error(`secret ${secretId} has no "password" string`);
    }
    return secret.password;
  };
}

export interface RdsProxyConnectionOptions {
  /** The proxy endpoint (`StatefulStack.databaseProxy.endpoint`). */
  readonly host: string;
  /** @default 5432 */
  readonly port?: number;
  readonly database: string;
  readonly user: string;
  readonly region: string;
  /** @default {@link RDS_CA_BUNDLE_PATH} */
  readonly caBundlePath?: string;
  /** Defaults to IAM auth; pass a secret-backed source for password auth. */
  readonly password?: PasswordSource;
  /** @default 1 (one Lambda invocation runs one query at a time) */
  readonly maxConnections?: number;
}

/**
 * The production connection config: TLS verified against the RDS CA bundle (which also
 * holds the Amazon roots RDS Proxy's certificate chains to), IAM auth, one connection, a
 * connect timeout that allows the first TLS + IAM handshake and nothing more.
 */
export function rdsProxyConnectionConfig(options: RdsProxyConnectionOptions): PostgresConnectionConfig {
  const port = options.port ?? 5432;
  return {
    host: options.host,
    port,
    database: options.database,
    user: options.user,
    password:
      options.password ??
      iamAuthTokenProvider({ hostname: options.host, port, username: options.user, region: options.region }),
    tls: true,
    ca: readCaBundle(options.caBundlePath),
    maxConnections: options.maxConnections ?? 1,
    connectTimeoutMs: 2_000,
    statementTimeoutMs: 2_000,
  };
}
