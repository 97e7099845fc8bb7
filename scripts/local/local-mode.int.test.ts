import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient, redisConfigFromUrl } from '../../shared/adapters/redis/client.js';
import { decodeReferencePrice } from '../../shared/adapters/redis/reference-price-hash.js';
import { REDIS_KEYS, TABLES } from '../../shared/names.js';
import { FAKE_PAIRS } from '../../test/fakes/kraken-ws/market-sim.js';
import { awsEnvironment, databaseUrl, local, localStoreEnv, redisUrl } from '../../test/local-env.js';
import { requestGate } from '../cli/gate-client.js';
import { type LocalMode, startLocalMode } from './local-mode.js';
import { LOCAL_ACCOUNTS, LOCAL_OPERATORS, LOCAL_TRADED_SYMBOLS } from './local-seed.js';

/**
 * Local mode assembles a stage's wiring (issue #18): started on an EMPTY database and an
 * emptied Redis, with nothing seeded, it reaches an accept for every traded symbol for an
 * account onboarded through the admin API, because each key the risk API reads was written
 * by its stage producer: instruments by the ingester from the fake Kraken's instrument
 * channel, the universe by the universe job, reference prices by the reference-prices job.
 * The database is a fresh one of this file's own (created and dropped here), the Redis db
 * the test one.
 */
const dbName = `${local.testDbName}_empty`;
const QUANTITY: Record<string, string> = {
  'BTC/USD': '0.01',
  'ETH/USD': '0.1',
  'SOL/USD': '1',
  'USDC/USD': '100',
  'USDT/USD': '100',
};

async function onMaintenanceDb<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl('postgres') });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

async function validate(url: string, accountId: string, symbol: string) {
  const answer = await requestGate(url, 'POST', '/v1/risk/validate', {
    account_id: accountId,
    order_id: `lm-${randomUUID()}`,
    symbol,
    side: 'buy',
    type: 'market',
    quantity: QUANTITY[symbol],
  });
  return { status: answer.status, body: JSON.parse(answer.text) as { decision: string; reasons?: unknown } };
}

async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('Function: startLocalMode', () => {
  let mode: LocalMode;
  let redis: Redis;
  let pool: pg.Pool;

  beforeAll(async () => {
    // Prepare: empty stores
    await onMaintenanceDb(async (client) => {
      await client.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await client.query(`CREATE DATABASE ${dbName}`);
    });
    redis = createRedisClient({ ...redisConfigFromUrl(redisUrl()), commandTimeoutMs: 5_000 });
    await redis.connect();
    await redis.flushdb();
    mode = await startLocalMode({
      port: 0,
      host: '127.0.0.1',
      env: {
        ...process.env,
        ...awsEnvironment(),
        ...localStoreEnv(),
        DATABASE_URL: databaseUrl(dbName),
        POWERTOOLS_METRICS_DISABLED: 'true',
        LOCAL_TRADING: 'off',
        LIMITS_CACHE_TTL_MS: '500',
      },
    });
    pool = new pg.Pool({ connectionString: databaseUrl(dbName), max: 2 });
  }, 120_000);

  afterAll(async () => {
    await mode?.stop();
    await pool?.end();
    redis?.disconnect();
    await onMaintenanceDb((client) => client.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`));
  });

  it('takes instruments, universe and reference prices from their producers, not a seed', async () => {
    // Act
    const hash = await redis.hgetall(REDIS_KEYS.instruments);
    const table = await pool.query<{ symbol: string; price_precision: number }>(
      `SELECT symbol, price_precision FROM ${TABLES.instruments} ORDER BY symbol`,
    );
    const universe = await pool.query<{ symbols: string[]; source: unknown }>(
      `SELECT symbols, source FROM ${TABLES.universeVersions} ORDER BY version DESC LIMIT 1`,
    );
    const members = await redis.smembers(REDIS_KEYS.universe);
    const references = await Promise.all(
      LOCAL_TRADED_SYMBOLS.map(async (s) => decodeReferencePrice(await redis.hgetall(REDIS_KEYS.referencePrice(s)))),
    );

    // Assess: Kraken's precisions as the fake's instrument channel sends them (the old seed
    // had USDC/USD at 4 price digits; the fake Kraken, like Kraken, at 5)
    for (const symbol of LOCAL_TRADED_SYMBOLS) {
      const entry = JSON.parse(hash[symbol] ?? '{}') as Record<string, unknown>;
      expect(entry, symbol).toMatchObject({ status: 'online', price_precision: FAKE_PAIRS[symbol]?.pricePrecision });
      expect(table.rows.find((r) => r.symbol === symbol)?.price_precision, symbol).toBe(
        FAKE_PAIRS[symbol]?.pricePrecision,
      );
    }
    expect(universe.rows[0]?.symbols).toEqual(expect.arrayContaining([...LOCAL_TRADED_SYMBOLS]));
    expect(members.length).toBeGreaterThanOrEqual(LOCAL_TRADED_SYMBOLS.length);
    for (const [i, reference] of references.entries()) {
      expect(reference?.price.isPositive(), LOCAL_TRADED_SYMBOLS[i]).toBe(true);
    }
  });

  it('onboards the demo accounts through the admin API, by two distinct risk managers', async () => {
    // Act
    const rows = await pool.query<{ account_id: string; created_by: string }>(
      `SELECT account_id, created_by FROM ${TABLES.accountLimits} ORDER BY account_id`,
    );

    // Assess
    expect(rows.rows.map((r) => r.account_id).sort()).toEqual(LOCAL_ACCOUNTS.map((a) => a.accountId).sort());
    for (const row of rows.rows) expect(row.created_by).toBe(LOCAL_OPERATORS.approver);
  });

  it('accepts every traded symbol for a newly onboarded account', async () => {
    // Prepare
    const accountId = `lm-${randomUUID().slice(0, 8)}`;
    const created = await requestGate(mode.url, 'POST', '/v1/admin/accounts', {
      account_id: accountId,
      display_name: 'Local mode test',
      kind: 'strategy',
      limits: { nav: '1000000', max_order_notional: '50000' },
      actor: 'alice',
      reason: 'local mode integration test',
    });
    expect(created.status).toBe(201);
    const { proposal_id: proposalId } = JSON.parse(created.text) as { proposal_id: string };
    const applied = await requestGate(
      mode.url,
      'POST',
      `/v1/admin/accounts/${accountId}/limits/proposals/${proposalId}/apply`,
      { actor: 'bob' },
    );
    expect(applied.status).toBe(200);

    // Act
    const decisions: Record<string, unknown> = {};
    for (const symbol of LOCAL_TRADED_SYMBOLS) {
      const { body } = await eventually(
        () => validate(mode.url, accountId, symbol),
        (answer) => answer.body.decision === 'accept',
      );
      decisions[symbol] = body.decision === 'accept' ? 'accept' : body;
    }

    // Assess
    expect(decisions).toEqual(Object.fromEntries(LOCAL_TRADED_SYMBOLS.map((s) => [s, 'accept'])));
  });

  it('starts again on the stores it left, keeping the onboarded accounts', async () => {
    // Prepare
    await mode.stop();

    // Act
    mode = await startLocalMode({
      port: 0,
      host: '127.0.0.1',
      env: {
        ...process.env,
        ...awsEnvironment(),
        ...localStoreEnv(),
        DATABASE_URL: databaseUrl(dbName),
        POWERTOOLS_METRICS_DISABLED: 'true',
        LOCAL_TRADING: 'off',
      },
    });
    const { body } = await eventually(
      () => validate(mode.url, 'company', 'BTC/USD'),
      (answer) => answer.body.decision === 'accept',
    );
    const versions = await pool.query(`SELECT 1 FROM ${TABLES.accountLimits} WHERE account_id = 'company'`);

    // Assess
    expect(body.decision).toBe('accept');
    expect(versions.rowCount).toBe(1);
  }, 120_000);
});
