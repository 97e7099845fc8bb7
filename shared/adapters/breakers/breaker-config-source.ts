import type pg from 'pg';
import {
  type BreakerConfig,
  BreakerConfigSet,
  DEFAULT_BREAKER_CONFIG,
  parseBreakerConfig,
} from '../../domain/breakers/config.js';
import type { BreakerConfigSource } from '../../domain/breakers/ports.js';
import { TABLES } from '../../names.js';

/**
 * Breaker thresholds from the versioned `breaker_config` table (the newest version per
 * symbol; `*` is the default row), cached for `ttlMs`. A failed refresh keeps serving the
 * last good set for up to `maxStaleMs`; with nothing loaded yet it throws, so a batch is
 * retried rather than judged on thresholds nobody configured.
 */
export class PostgresBreakerConfigSource implements BreakerConfigSource {
  private cached: { set: BreakerConfigSet; atMs: number } | null = null;

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: {
      ttlMs: number;
      maxStaleMs: number;
      now?: () => number;
      onStale?: (error: unknown) => void;
    },
  ) {}

  async get(): Promise<BreakerConfigSet> {
    const now = (this.options.now ?? Date.now)();
    if (this.cached && now - this.cached.atMs < this.options.ttlMs) return this.cached.set;
    try {
      const set = await this.load();
      this.cached = { set, atMs: now };
      return set;
    } catch (error) {
      if (this.cached && now - this.cached.atMs < this.options.maxStaleMs) {
        this.options.onStale?.(error);
        return this.cached.set;
      }
      throw error;
    }
  }

  private async load(): Promise<BreakerConfigSet> {
    const { rows } = await this.pool.query<{ symbol: string; version: number; config: unknown }>(
      `SELECT DISTINCT ON (symbol) symbol, version, config FROM ${TABLES.breakerConfig} ORDER BY symbol, version DESC`,
    );
    const bySymbol = new Map<string, BreakerConfig>();
    let fallback = DEFAULT_BREAKER_CONFIG;
    let version = 0;
    for (const row of rows) {
      let config: BreakerConfig;
      try {
        config = parseBreakerConfig(row.config);
      } catch (error) {
        throw new Error(`breaker_config ${row.symbol} v${row.version} is invalid: ${(error as Error).message}`);
      }
      version = Math.max(version, row.version);
      if (row.symbol === '*') fallback = config;
      else bySymbol.set(row.symbol, config);
    }
    return new BreakerConfigSet(bySymbol, fallback, version);
  }
}
