import * as z from 'zod';

/**
 * Configuration is parsed once, at start-up, by one schema per deployable unit. A bad or
 * missing value stops the process with a message naming the variable; nothing falls back
 * to an empty string or a silent default that would change behaviour in production.
 */

export const STAGES = ['local', 'dev', 'staging', 'prod'] as const;
export type Stage = (typeof STAGES)[number];
/** The stage whose money is real. Guards below refuse anything unsafe when it is set. */
export const PRODUCTION_STAGE: Stage = 'prod';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

/** `"true"`/`"false"` (also `1`/`0`) from the environment; anything else is an error. */
export const booleanFlag = z
  .enum(['true', 'false', '1', '0'], { message: 'must be "true" or "false"' })
  .transform((value) => value === 'true' || value === '1');

/** A positive integer from the environment, e.g. a timeout in milliseconds. */
export const positiveInt = z.coerce.number().int().positive();

/** An http(s) URL (endpoints of AWS stand-ins, Kraken, CoinGecko). */
export const httpUrl = z.url({ protocol: /^https?$/ });

/**
 * Settings every unit understands. `SIMULATION_MODE` and `ALLOW_INSECURE_DEFAULTS` default
 * to off and are refused in production by {@link productionGuardViolations}.
 */
export const baseConfigShape = {
  STAGE: z.enum(STAGES),
  SIMULATION_MODE: booleanFlag.default(false),
  ALLOW_INSECURE_DEFAULTS: booleanFlag.default(false),
  LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
  /**
   * Start of the trading day, HH:MM UTC: daily loss and fee counters reset there. The
   * positions consumer labels counters with it and the risk API decides which counters are
   * today's with it, so both must read the same value: it is in every function's settings.
   */
  TRADING_DAY_BOUNDARY_UTC: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM (UTC)')
    .default('00:00'),
};

/** Minutes past midnight UTC of a TRADING_DAY_BOUNDARY_UTC value. */
export function boundaryMinutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

export const baseConfigSchema = z.object(baseConfigShape);

/** One production rule: the setting it concerns and how to tell the value is unsafe. */
interface ProductionGuard {
  readonly setting: string;
  readonly unsafe: (config: Record<string, unknown>) => boolean;
  readonly why: string;
}

const PRODUCTION_GUARDS: readonly ProductionGuard[] = [
  {
    setting: 'SIMULATION_MODE',
    unsafe: (c) => c.SIMULATION_MODE === true,
    why: 'simulated market data or fills must never drive production decisions',
  },
  {
    setting: 'ALLOW_INSECURE_DEFAULTS',
    unsafe: (c) => c.ALLOW_INSECURE_DEFAULTS === true,
    why: 'insecure fallbacks are what failed the old platform its review',
  },
  {
    setting: 'REDIS_TLS',
    unsafe: (c) => c.REDIS_TLS === false,
    why: 'the cache must be reached over TLS',
  },
  {
    setting: 'DATABASE_TLS',
    unsafe: (c) => c.DATABASE_TLS === false,
    why: 'the database must be reached over TLS',
  },
  {
    setting: 'RISK_STATE',
    unsafe: (c) => c.RISK_STATE === 'memory',
    why: 'in-memory state is for local runs only',
  },
];

/**
 * Lists what makes `config` unfit for production, each naming the setting. Empty when the
 * stage is not production. The same function runs at cold start and in preflight.
 */
export function productionGuardViolations(config: Record<string, unknown>): string[] {
  if (config.STAGE !== PRODUCTION_STAGE) return [];
  return PRODUCTION_GUARDS.filter((guard) => guard.unsafe(config)).map(
    (guard) =>
      `${guard.setting}=${String(config[guard.setting])} is refused when STAGE=${PRODUCTION_STAGE}: ${guard.why}`,
  );
}

/**
 * Parses `env` with `schema` and applies the production guards. Throws {@link ConfigError}
 * listing every problem, each prefixed with the variable's name.
 */
export function parseConfig<S extends z.ZodType<Record<string, unknown>>>(
  schema: S,
  env: Record<string, string | undefined>,
): z.output<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`));
  }
  const violations = productionGuardViolations(result.data);
  if (violations.length > 0) throw new ConfigError(violations);
  return result.data;
}
