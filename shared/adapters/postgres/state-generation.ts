import type pg from 'pg';
import type { GenerationCause } from '../../domain/state-epoch.js';
import { TABLES } from '../../names.js';

/**
 * The durable state generation (`state_generations`, migration 007): one row per advance,
 * the current generation is the highest. 0 before any control change.
 */
export class PostgresStateGenerations {
  constructor(private readonly pool: pg.Pool) {}

  /** Records a control change; returns the new generation. */
  async advance(cause: GenerationCause, detail: string): Promise<number> {
    const { rows } = await this.pool.query<{ generation: string }>(
      `INSERT INTO ${TABLES.stateGenerations} (cause, detail) VALUES ($1, $2) RETURNING generation::text`,
      [cause, detail],
    );
    return Number(rows[0]?.generation);
  }

  /** The highest generation recorded. */
  async current(): Promise<number> {
    const { rows } = await this.pool.query<{ generation: string }>(
      `SELECT coalesce(max(generation), 0)::text AS generation FROM ${TABLES.stateGenerations}`,
    );
    return Number(rows[0]?.generation ?? 0);
  }

  /**
   * The highest generation recorded at least `graceMs` ago (by the database's clock, so no
   * two clocks are compared): a cache that has not reached it missed that change.
   */
  async settled(graceMs: number): Promise<number> {
    const { rows } = await this.pool.query<{ generation: string }>(
      `SELECT coalesce(max(generation), 0)::text AS generation FROM ${TABLES.stateGenerations}
        WHERE at <= now() - make_interval(secs => $1::double precision / 1000)`,
      [graceMs],
    );
    return Number(rows[0]?.generation ?? 0);
  }
}
