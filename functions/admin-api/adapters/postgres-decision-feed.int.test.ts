import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseLoginUser, TABLES } from '../../../shared/names.js';
import { databaseUrl } from '../../../test/local-env.js';
import { PostgresDecisionFeed } from './postgres-decision-feed.js';

/**
 * The console's decisions stream on the real audit table, read as the admin API's own
 * database user (migration 011's grants): filters in SQL, newest first, `after` for polling.
 * Accounts are this file's own, so rows other tests write never match.
 */
const suffix = randomUUID().slice(0, 8);
const alpha = `feed-${suffix}-a`;
const beta = `feed-${suffix}-b`;
let owner: pg.Pool;
let asAdmin: pg.Pool;

/** Seconds before now, as the table stores decided_at. */
const ago = (seconds: number) => new Date(Date.now() - seconds * 1_000);

async function record(
  accountId: string,
  decidedAt: Date,
  decision: 'accept' | 'reject',
  codes: string[],
  symbol = 'BTC/USD',
) {
  const orderId = `o-${randomUUID().slice(0, 8)}`;
  await owner.query(
    `INSERT INTO ${TABLES.riskDecisions}
       (decision_id, decided_at, account_id, order_id, symbol, decision, reason_codes, limits_version,
        request_hash, request, inputs, response, latency_us)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 1, 'h', '{}', '{}', '{}', 1500)`,
    [randomUUID(), decidedAt, accountId, orderId, symbol, decision, codes],
  );
  return orderId;
}

beforeAll(async () => {
  owner = new pg.Pool({ connectionString: databaseUrl(), max: 2 });
  asAdmin = new pg.Pool({ connectionString: databaseUrl(), user: databaseLoginUser('adminApi'), max: 2 });
});

afterAll(async () => {
  await owner?.end();
  await asAdmin?.end();
});

describe('Class: PostgresDecisionFeed', () => {
  describe('Method: recent', () => {
    it('filters by account, outcome and reason code, newest first, and returns only what follows `after`', async () => {
      // Prepare
      const oldest = await record(alpha, ago(30), 'accept', []);
      const rejected = await record(alpha, ago(20), 'reject', ['MAX_ORDER_QUANTITY', 'VAR_BREACH']);
      const newest = await record(alpha, ago(10), 'reject', ['VAR_BREACH'], 'ETH/USD');
      await record(beta, ago(5), 'reject', ['MAX_ORDER_QUANTITY']);
      const feed = new PostgresDecisionFeed(asAdmin);

      // Act
      const all = await feed.recent({ accountId: alpha, limit: 10 });
      const quantity = await feed.recent({ accountId: alpha, reason: 'MAX_ORDER_QUANTITY', limit: 10 });
      const accepted = await feed.recent({ accountId: alpha, decision: 'accept', limit: 10 });
      const eth = await feed.recent({ accountId: alpha, symbol: 'ETH/USD', limit: 10 });
      const after = await feed.recent({ accountId: alpha, after: ago(15).toISOString(), limit: 10 });
      const first = await feed.recent({ accountId: alpha, limit: 1 });

      // Assess
      expect(all.map((d) => d.order_id)).toEqual([newest, rejected, oldest]);
      expect(all[1]).toMatchObject({
        account_id: alpha,
        decision: 'reject',
        reason_codes: ['MAX_ORDER_QUANTITY', 'VAR_BREACH'],
        limits_version: 1,
        latency_ms: 1.5,
      });
      expect(quantity.map((d) => d.order_id)).toEqual([rejected]);
      expect(accepted.map((d) => d.order_id)).toEqual([oldest]);
      expect(eth.map((d) => d.order_id)).toEqual([newest]);
      expect(after.map((d) => d.order_id)).toEqual([newest]);
      expect(first.map((d) => d.order_id)).toEqual([newest]);
    });
  });
});
