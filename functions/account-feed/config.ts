import * as z from 'zod';
import { baseConfigShape, booleanFlag, httpUrl, parseConfig, positiveInt } from '../../shared/config/env.js';
import { checkKrakenRestUrl, krakenRestConfigShape } from '../../shared/config/kraken.js';

export const KRAKEN_WS_AUTH_PRODUCTION_URL = 'wss://ws-auth.kraken.com/v2';
const ACCOUNT_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const USD_SPOT = /^[A-Z0-9]{2,12}\/USD$/;

/** `*` (every account this task serves) or a comma-separated list of account ids. */
const accountSelection = z
  .string()
  .default('')
  .transform((value) => value.trim())
  .pipe(
    z.union([
      z.literal('*').transform(() => 'all' as const),
      z
        .string()
        .transform((value) =>
          value
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s.length > 0),
        )
        .pipe(z.array(z.string().regex(ACCOUNT_ID, 'must be account ids or *'))),
    ]),
  );
export type AccountSelection = 'all' | readonly string[];

export function selects(selection: AccountSelection, accountId: string): boolean {
  return selection === 'all' || selection.includes(accountId);
}

/**
 * The account feed's settings, parsed once at start; a bad value stops the task naming the
 * variable. Durations in milliseconds unless the name says seconds.
 */
export const accountFeedConfigSchema = z
  .object({
    ...baseConfigShape,
    ...krakenRestConfigShape,
    KRAKEN_WS_AUTH_URL: z.url({ protocol: /^wss?$/ }).default(KRAKEN_WS_AUTH_PRODUCTION_URL),
    /** Kinesis stream of the executions contract (STREAMS.executions in each stage). */
    EXECUTIONS_STREAM: z.string().min(1),
    REDIS_URL: z.string().regex(/^rediss?:\/\/[^/]+/, 'must be redis://host:port[/db] or rediss://…'),
    /** Secrets Manager id of the ElastiCache auth token; none locally. */
    REDIS_AUTH_SECRET_ID: z.string().min(1).optional(),
    /** How often Secrets Manager is listed for new, rotated and removed Kraken keys. */
    KEY_REFRESH_MS: positiveInt.default(60_000),
    /** This task's shard; accounts are spread over SHARD_COUNT tasks by a hash of their id. */
    SHARD_INDEX: z.coerce.number().int().min(0).default(0),
    SHARD_COUNT: positiveInt.default(1),
    /** No frame at all (Kraken heartbeats every second) for this long fails the account closed. */
    FEED_MAX_SILENCE_MS: positiveInt.default(10_000),
    STATUS_INTERVAL_MS: positiveInt.default(1_000),
    /** TTL of the status hash: a task that dies leaves no `live` behind for longer than this. */
    STATUS_TTL_MS: positiveInt.default(15_000),
    PING_INTERVAL_MS: positiveInt.default(5_000),
    RECONNECT_BASE_MS: positiveInt.default(500),
    RECONNECT_CAP_MS: positiveInt.default(30_000),
    /** Shared by every account of the task: Cloudflare bans an IP at about 150 attempts per 10 minutes. */
    CONNECT_ATTEMPTS_PER_10_MIN: positiveInt.max(140).default(120),
    /** Accounts whose dead man's switch this task keeps armed while the gate is healthy. */
    DEAD_MANS_SWITCH_ACCOUNTS: accountSelection,
    DEAD_MANS_SWITCH_TIMEOUT_S: z.coerce.number().int().min(1).max(86_400).default(60),
    DEAD_MANS_SWITCH_REFRESH_MS: positiveInt.default(15_000),
    /** Accounts whose unvetted orders are canceled (all are reported). */
    CANCEL_UNVETTED_ACCOUNTS: accountSelection,
    /** Symbols whose marks must be fresh for the gate to count as healthy. */
    HEALTH_SYMBOLS: z
      .string()
      .default('BTC/USD,ETH/USD')
      .transform((value) =>
        value
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s.length > 0),
      )
      .pipe(z.array(z.string().regex(USD_SPOT, 'must be USD spot pairs like BTC/USD')).min(1)),
    MARK_MAX_AGE_MS: positiveInt.default(2_000),
    /** Events waiting for Kinesis longer than this fail the accounts closed and the gate unhealthy. */
    PUBLISH_MAX_DELAY_MS: positiveInt.default(5_000),
    /**
     * The risk API's base URL (a stage's invoke URL, stage name included): its `/v1/health`
     * must answer for the gate to count as healthy. Required everywhere, local included: a
     * feed that cannot ask would have to guess, and the switch is armed only on an answer.
     */
    RISK_API_URL: httpUrl,
    /** SigV4-sign the probe (the API authorises by IAM). Off only in local mode. */
    RISK_API_SIGV4: booleanFlag.default(true),
    /** Region the probe is signed for (set in every ECS task; required when signing). */
    AWS_REGION: z.string().min(1).optional(),
    RISK_API_PROBE_INTERVAL_MS: positiveInt.default(5_000),
    RISK_API_PROBE_TIMEOUT_MS: positiveInt.default(2_000),
    HEALTH_PORT: z.coerce.number().int().min(0).max(65_535).default(8081),
    METRICS_INTERVAL_MS: positiveInt.default(10_000),
    SHUTDOWN_FLUSH_TIMEOUT_MS: positiveInt.default(10_000),
  })
  .superRefine((config, ctx) => {
    checkKrakenRestUrl(config, ctx);
    if (config.STAGE !== 'local' && !config.KRAKEN_WS_AUTH_URL.startsWith('wss://')) {
      ctx.addIssue({ code: 'custom', path: ['KRAKEN_WS_AUTH_URL'], message: 'must be wss:// outside STAGE=local' });
    }
    if (config.STAGE === 'prod' && config.KRAKEN_WS_AUTH_URL !== KRAKEN_WS_AUTH_PRODUCTION_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['KRAKEN_WS_AUTH_URL'],
        message: `must be ${KRAKEN_WS_AUTH_PRODUCTION_URL} when STAGE=prod`,
      });
    }
    if (config.SHARD_INDEX >= config.SHARD_COUNT) {
      ctx.addIssue({ code: 'custom', path: ['SHARD_INDEX'], message: 'must be below SHARD_COUNT' });
    }
    if (config.DEAD_MANS_SWITCH_REFRESH_MS * 2 > config.DEAD_MANS_SWITCH_TIMEOUT_S * 1_000) {
      ctx.addIssue({
        code: 'custom',
        path: ['DEAD_MANS_SWITCH_REFRESH_MS'],
        message: 'must be at most half of DEAD_MANS_SWITCH_TIMEOUT_S (two refreshes per countdown)',
      });
    }
    if (config.STAGE !== 'local' && !config.RISK_API_URL.startsWith('https://')) {
      ctx.addIssue({ code: 'custom', path: ['RISK_API_URL'], message: 'must be https:// outside STAGE=local' });
    }
    // A stage's API answers only IAM-signed calls: unsigned would only ever withhold, and
    // an insecure default must not be reachable outside local mode (prod included).
    if (config.STAGE !== 'local' && !config.RISK_API_SIGV4) {
      ctx.addIssue({ code: 'custom', path: ['RISK_API_SIGV4'], message: 'must be true outside STAGE=local' });
    }
    if (config.RISK_API_SIGV4 && !config.AWS_REGION) {
      ctx.addIssue({ code: 'custom', path: ['AWS_REGION'], message: 'is required to sign the risk API probe' });
    }
    if (config.RISK_API_PROBE_TIMEOUT_MS >= config.RISK_API_PROBE_INTERVAL_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['RISK_API_PROBE_TIMEOUT_MS'],
        message: 'must be below RISK_API_PROBE_INTERVAL_MS',
      });
    }
    if (config.STATUS_TTL_MS < config.STATUS_INTERVAL_MS * 3) {
      ctx.addIssue({ code: 'custom', path: ['STATUS_TTL_MS'], message: 'must be at least 3 x STATUS_INTERVAL_MS' });
    }
  })
  // Exposed for the production guard in shared/config/env.ts (refuses plaintext Redis in prod).
  .transform((config) => ({ ...config, REDIS_TLS: config.REDIS_URL.startsWith('rediss://') }));

export type AccountFeedConfig = z.output<typeof accountFeedConfigSchema>;

export function loadAccountFeedConfig(env: Record<string, string | undefined> = process.env): AccountFeedConfig {
  return parseConfig(accountFeedConfigSchema, env);
}
