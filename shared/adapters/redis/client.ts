import { Redis, type RedisOptions } from 'ioredis';
import type { SecretReader } from '../secrets.js';

/**
 * How to reach Redis (ElastiCache in AWS). TLS is on unless a local config turns it off
 * explicitly, and production config refuses `tls: false` (see shared/config/env.ts).
 */
export interface RedisConnectionConfig {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  /** ElastiCache auth token, read from Secrets Manager by the caller. */
  readonly password?: string;
  readonly db?: number;
  /** CA bundle (PEM) to verify the server with; the system store when omitted. */
  readonly ca?: string;
  /** Give up on connecting after this long. @default 500 */
  readonly connectTimeoutMs?: number;
  /** Fail a command that gets no answer within this long. @default 250 */
  readonly commandTimeoutMs?: number;
}

/**
 * Builds an ioredis client that fails fast instead of hanging: no offline queue (a command
 * sent while disconnected errors at once), one attempt per command, bounded connect and
 * command timeouts. Callers on the decision path turn those errors into a fail-closed
 * REJECT; the client keeps reconnecting in the background with capped backoff.
 */
export function createRedisClient(config: RedisConnectionConfig, overrides: Partial<RedisOptions> = {}): Redis {
  if (!config.tls && !isLoopbackHost(config.host)) {
    throw new Error(`refusing a plaintext Redis connection to ${config.host}: tls=false is for a loopback host only`);
  }
  return new Redis({
    host: config.host,
    port: config.port,
    db: config.db ?? 0,
    password: config.password,
    // ElastiCache presents an Amazon-issued certificate for its endpoint name, which the
    // system store verifies; `ca` pins a private CA instead (tests, self-hosted Redis).
    tls: config.tls
      ? { servername: config.host, ca: config.ca, rejectUnauthorized: true, minVersion: 'TLSv1.2' }
      : undefined,
    connectTimeout: config.connectTimeoutMs ?? 500,
    commandTimeout: config.commandTimeoutMs ?? 250,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    lazyConnect: true,
    retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 6), 2_000),
    ...overrides,
  });
}

/** Parses `redis://host:port/db` or `rediss://…` (TLS) into a connection config. */
export function redisConfigFromUrl(url: string): RedisConnectionConfig {
  const parsed = new URL(url);
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new Error(`REDIS_URL must start with redis:// or rediss://`);
  }
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new Error('REDIS_URL database index must be a non-negative integer');
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 6379),
    tls: parsed.protocol === 'rediss:',
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    db,
  };
}

/** True for hosts that never leave this machine: the only ones plaintext is allowed to. */
export function isLoopbackHost(host: string): boolean {
  return ['localhost', '::1', '[::1]'].includes(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export interface ElastiCacheConnectionOptions {
  /** Primary endpoint (`StatefulStack.redisEndpointAddress`). */
  readonly host: string;
  readonly port: number;
  /** Secret holding the AUTH token as a plain string (`StatefulStack.redisAuthSecret`). */
  readonly authSecretId: string;
  readonly secrets: SecretReader;
  /** A private CA to pin (tests, self-hosted Redis). @default the system store */
  readonly ca?: string;
  /** @default 500 */
  readonly connectTimeoutMs?: number;
  /** @default 250 */
  readonly commandTimeoutMs?: number;
}

/**
 * The production connection config: TLS always, the AUTH token read from Secrets Manager
 * (cached by the reader, never logged), fail-fast timeouts.
 */
export async function elastiCacheConnectionConfig(
  options: ElastiCacheConnectionOptions,
): Promise<RedisConnectionConfig> {
  return {
    host: options.host,
    port: options.port,
    tls: true,
    password: await options.secrets.getString(options.authSecretId),
    ca: options.ca,
    connectTimeoutMs: options.connectTimeoutMs,
    commandTimeoutMs: options.commandTimeoutMs,
  };
}
