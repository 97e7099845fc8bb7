import * as z from 'zod';

/**
 * Breaker thresholds of one symbol, as stored (versioned) in the `breaker_config` table.
 * Every threshold has a trip level and a lower clear level (hysteresis): a breaker trips at
 * or above `*_trip_*` and clears only strictly below `*_clear_*`, so a value hovering at a
 * threshold does not flap. Basis-point thresholds are decimal strings compared exactly.
 */
const bps = z.string().regex(/^\d+(\.\d+)?$/, 'a non-negative decimal string (bps)');

export const breakerConfigSchema = z
  .object({
    /** Rolling window of the realised volatility, ms. */
    vol_window_ms: z.number().int().positive().default(60_000),
    /** Realised volatility (sqrt of the sum of squared log returns in the window), bps. */
    vol_trip_bps: z.number().positive().default(150),
    vol_clear_bps: z.number().positive().default(75),
    /** Returns needed in the window before the volatility breaker may trip. */
    vol_min_returns: z.number().int().min(1).default(2),
    spread_trip_bps: bps.default('50'),
    spread_clear_bps: bps.default('20'),
    /**
     * Safe mode: a tripped breaker of this symbol latches (never clears by itself) until an
     * operator resets it, for markets the desk wants a human to look at after any trip.
     */
    safe_mode: z.boolean().default(false),
    /** Kraken mid vs CoinGecko reference, bps (the reference-prices job). */
    deviation_trip_bps: bps.default('300'),
    deviation_clear_bps: bps.default('100'),
  })
  .strict()
  .refine((c) => c.vol_clear_bps < c.vol_trip_bps, { message: 'vol_clear_bps must be below vol_trip_bps' })
  .refine((c) => Number(c.spread_clear_bps) < Number(c.spread_trip_bps), {
    message: 'spread_clear_bps must be below spread_trip_bps',
  })
  .refine((c) => Number(c.deviation_clear_bps) < Number(c.deviation_trip_bps), {
    message: 'deviation_clear_bps must be below deviation_trip_bps',
  });

export type BreakerConfig = z.output<typeof breakerConfigSchema>;
export type BreakerConfigInput = z.input<typeof breakerConfigSchema>;

/** Defaults for a symbol that has no row (and the `*` row's starting point). */
export const DEFAULT_BREAKER_CONFIG: BreakerConfig = breakerConfigSchema.parse({});

/** Parses a stored config; throws naming the field on a bad one (never silently defaults). */
export function parseBreakerConfig(input: unknown): BreakerConfig {
  return breakerConfigSchema.parse(input);
}

/**
 * The stablecoin depeg breaker: fixed by the desk's policy, not per-symbol config.
 * Trips at 75 bps from 1.00 USD, clears strictly below 15 bps, ignores quotes older than 180 s.
 */
export const DEPEG_POLICY = {
  symbols: ['USDC/USD', 'USDT/USD'] as readonly string[],
  tripBps: '75',
  clearBps: '15',
  staleAfterMs: 180_000,
} as const;

/** Breaker configs in force: per-symbol rows over the `*` default row over the built-in defaults. */
export class BreakerConfigSet {
  constructor(
    private readonly bySymbol: ReadonlyMap<string, BreakerConfig>,
    private readonly fallback: BreakerConfig = DEFAULT_BREAKER_CONFIG,
    /** Version of the newest row loaded (0 = built-in defaults only). */
    readonly version: number = 0,
  ) {}

  for(symbol: string): BreakerConfig {
    return this.bySymbol.get(symbol) ?? this.fallback;
  }
}
