import type pg from 'pg';
import { TABLES } from '../../../shared/names.js';
import type { DecisionFeed, DecisionFeedEntry, DecisionFeedQuery } from '../desk-reads.js';

/** How far back the stream looks: the console shows the live desk, not the archive. */
const LOOKBACK = '1 day';

/**
 * The decisions stream from the audit table (every decision, accept or reject), newest
 * first, filtered in SQL; the time bound keeps the scan to the newest partitions.
 */
export class PostgresDecisionFeed implements DecisionFeed {
  constructor(private readonly pool: pg.Pool) {}

  async recent(query: DecisionFeedQuery): Promise<DecisionFeedEntry[]> {
    const where = [`decided_at > now() - interval '${LOOKBACK}'`];
    const values: unknown[] = [];
    const add = (clause: (placeholder: string) => string, value: unknown) => {
      values.push(value);
      where.push(clause(`$${values.length}`));
    };
    if (query.accountId) add((p) => `account_id = ${p}`, query.accountId);
    if (query.symbol) add((p) => `symbol = ${p}`, query.symbol);
    if (query.decision) add((p) => `decision = ${p}`, query.decision);
    if (query.reason) add((p) => `${p} = ANY (reason_codes)`, query.reason);
    if (query.after) add((p) => `decided_at > ${p}::timestamptz`, query.after);
    values.push(query.limit);
    const { rows } = await this.pool.query(
      `SELECT decision_id, decided_at, account_id, order_id, symbol, decision, reason_codes, limits_version, latency_us
         FROM ${TABLES.riskDecisions}
        WHERE ${where.join(' AND ')}
        ORDER BY decided_at DESC
        LIMIT $${values.length}`,
      values,
    );
    return rows.map((r) => ({
      decision_id: r.decision_id,
      decided_at: (r.decided_at as Date).toISOString(),
      account_id: r.account_id,
      order_id: r.order_id,
      symbol: r.symbol,
      decision: r.decision,
      reason_codes: r.reason_codes,
      limits_version: r.limits_version,
      latency_ms: r.latency_us === null ? null : Number(r.latency_us) / 1_000,
    }));
  }
}
