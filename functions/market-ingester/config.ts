import * as z from 'zod';
import { baseConfigShape, parseConfig, positiveInt } from '../../shared/config/env.js';
import { checkDatabaseConfig, storesConfigShape } from '../../shared/config/stores.js';
import { KRAKEN_BOOK_DEPTHS } from '../../shared/domain/market/order-book.js';
import { INGESTER_DEFAULTS } from './defaults.js';

const USD_SPOT = /^[A-Z0-9]{2,12}\/USD$/;

/** True for a USD spot pair in v2 spelling, the only pairs the ingester subscribes to. */
export function isUsdSpotPair(symbol: string): boolean {
  return USD_SPOT.test(symbol) && !symbol.startsWith('XBT/');
}

/**
 * The ingester's settings, parsed once at start. Every duration is in milliseconds.
 * See docs/ingester.md for what each one does.
 */
export const ingesterConfigSchema = z
  .object({
    ...baseConfigShape,
    // The database settings every unit reads: the ingester writes Kraken's instrument
    // catalog to PostgreSQL. Its Redis is REDIS_URL below; the REDIS_HOST family is unused.
    ...storesConfigShape,
    KRAKEN_WS_URL: z.url({ protocol: /^wss?$/ }).default(INGESTER_DEFAULTS.KRAKEN_WS_URL),
    /**
     * Comma-separated USD spot pairs in v2 spelling (BTC/USD, not XBT/USD): what the gate
     * trades plus the stablecoins the depeg breaker watches. Required outside STAGE=local
     * (the stack passes the stage's `tradedSymbols`): a default would quietly leave every
     * other symbol without a mark. The universe set adds to it while running.
     */
    KRAKEN_SYMBOLS: z
      .string()
      .optional()
      .transform((value) =>
        (value ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s.length > 0),
      )
      .pipe(
        z
          .array(z.string().regex(USD_SPOT, 'must be USD spot pairs like BTC/USD'))
          .refine((list) => new Set(list).size === list.length, 'must not repeat a pair')
          .refine((list) => !list.some((s) => s.startsWith('XBT/')), 'v2 spells bitcoin BTC/USD, not XBT/USD'),
      ),
    BOOK_DEPTH: z.coerce
      .number()
      .int()
      .refine(
        (d) => (KRAKEN_BOOK_DEPTHS as readonly number[]).includes(d),
        `must be one of ${KRAKEN_BOOK_DEPTHS.join(', ')}`,
      )
      .default(INGESTER_DEFAULTS.BOOK_DEPTH),
    /**
     * How often the universe set (REDIS_KEYS.universe) is read for new symbols to subscribe;
     * a symbol the universe job adds gets a mark within this time, without a restart.
     */
    UNIVERSE_REFRESH_MS: positiveInt.default(INGESTER_DEFAULTS.UNIVERSE_REFRESH_MS),
    MARKET_EVENTS_STREAM: z.string().min(1),
    REDIS_URL: z.string().regex(/^rediss?:\/\/[^/]+/, 'must be redis://host:port[/db] or rediss://…'),
    /** Secrets Manager id of the ElastiCache auth token; none locally. */
    REDIS_AUTH_SECRET_ID: z.string().min(1).optional(),
    SILENCE_TIMEOUT_MS: positiveInt.default(5_000),
    PING_INTERVAL_MS: positiveInt.default(10_000),
    RECONNECT_BASE_MS: positiveInt.default(500),
    RECONNECT_CAP_MS: positiveInt.default(30_000),
    /** Kraken (Cloudflare) bans an IP at about 150 attempts per 10 minutes: stay well under. */
    CONNECT_ATTEMPTS_PER_10_MIN: positiveInt.max(140).default(120),
    KINESIS_LINGER_MS: positiveInt.default(20),
    KINESIS_BUFFER_MAX_RECORDS: positiveInt.default(100_000),
    HEALTH_PORT: z.coerce.number().int().min(0).max(65_535).default(INGESTER_DEFAULTS.HEALTH_PORT),
    METRICS_INTERVAL_MS: positiveInt.default(10_000),
    /** Append every raw frame to this JSONL file (replayable, `kraken:verify`-able). */
    RECORD_PATH: z.string().min(1).optional(),
    /** Budget for the SIGTERM flush; keep under the ECS stop timeout. */
    SHUTDOWN_FLUSH_TIMEOUT_MS: positiveInt.default(INGESTER_DEFAULTS.SHUTDOWN_FLUSH_TIMEOUT_MS),
  })
  .superRefine((config, ctx) => {
    if (config.STAGE !== 'local' && !config.KRAKEN_WS_URL.startsWith('wss://')) {
      ctx.addIssue({ code: 'custom', path: ['KRAKEN_WS_URL'], message: 'must be wss:// outside STAGE=local' });
    }
    if (config.KRAKEN_SYMBOLS.length === 0 && config.STAGE !== 'local') {
      ctx.addIssue({
        code: 'custom',
        path: ['KRAKEN_SYMBOLS'],
        message: "required outside STAGE=local (the stage's tradedSymbols)",
      });
    }
    // Locally the instrument catalog may live in Redis only; a deployed stage must fill the
    // table the universe job reads, or the universe never finds a pair.
    if (config.STAGE !== 'local' || config.DATABASE_URL || config.DATABASE_HOST) checkDatabaseConfig(config, ctx);
  })
  .transform((config) => ({
    ...config,
    KRAKEN_SYMBOLS: config.KRAKEN_SYMBOLS.length > 0 ? config.KRAKEN_SYMBOLS : [...INGESTER_DEFAULTS.KRAKEN_SYMBOLS],
    // Exposed for the production guard in shared/config/env.ts (refuses plaintext Redis in prod).
    REDIS_TLS: config.REDIS_URL.startsWith('rediss://'),
  }));

/** Whether the config names a database (always outside STAGE=local). */
export function hasDatabase(config: Pick<IngesterConfig, 'DATABASE_URL' | 'DATABASE_HOST'>): boolean {
  return Boolean(config.DATABASE_URL || config.DATABASE_HOST);
}

export type IngesterConfig = z.output<typeof ingesterConfigSchema>;

export function loadIngesterConfig(env: Record<string, string | undefined> = process.env): IngesterConfig {
  return parseConfig(ingesterConfigSchema, env);
}
