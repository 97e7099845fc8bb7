import { z } from 'zod';
import { baseConfigShape, parseConfig, positiveInt } from '../../shared/config/env.js';
import { KRAKEN_BOOK_DEPTHS } from '../../shared/domain/market/order-book.js';
import { INGESTER_DEFAULTS } from './defaults.js';

const USD_SPOT = /^[A-Z0-9]{2,12}\/USD$/;

/**
 * The ingester's settings, parsed once at start. Every duration is in milliseconds.
 * See docs/ingester.md for what each one does.
 */
export const ingesterConfigSchema = z
  .object({
    ...baseConfigShape,
    KRAKEN_WS_URL: z.url({ protocol: /^wss?$/ }).default(INGESTER_DEFAULTS.KRAKEN_WS_URL),
    /** Comma-separated USD spot pairs in v2 spelling (BTC/USD, not XBT/USD). */
    KRAKEN_SYMBOLS: z
      .string()
      .default(INGESTER_DEFAULTS.KRAKEN_SYMBOLS.join(','))
      .transform((value) =>
        value
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s.length > 0),
      )
      .pipe(
        z
          .array(z.string().regex(USD_SPOT, 'must be USD spot pairs like BTC/USD'))
          .min(1)
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
  })
  // Exposed for the production guard in shared/config/env.ts (refuses plaintext Redis in prod).
  .transform((config) => ({ ...config, REDIS_TLS: config.REDIS_URL.startsWith('rediss://') }));

export type IngesterConfig = z.output<typeof ingesterConfigSchema>;

export function loadIngesterConfig(env: Record<string, string | undefined> = process.env): IngesterConfig {
  return parseConfig(ingesterConfigSchema, env);
}
