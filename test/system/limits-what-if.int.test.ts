import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdminApi, createAdminApi } from '../../functions/admin-api/app.js';
import { adminApiConfigSchema } from '../../functions/admin-api/config.js';
import { createAdminRouter } from '../../functions/admin-api/router.js';
import { moveSpoolBatches } from '../../functions/audit-drainer/drain-audit-spool.js';
import { createRiskApi, type RiskApi } from '../../functions/risk-api/app.js';
import { riskApiConfigSchema } from '../../functions/risk-api/config.js';
import { createRouter } from '../../functions/risk-api/router.js';
import { PostgresBreakerConfigSource } from '../../shared/adapters/breakers/breaker-config-source.js';
import { PostgresDecisionAuditWriter } from '../../shared/adapters/postgres/decision-audit.js';
import { RedisAuditSpool } from '../../shared/adapters/redis/audit-spool.js';
import { createRedisClient } from '../../shared/adapters/redis/client.js';
import { orderBody } from '../../shared/domain/risk/fixtures.js';
import { databaseLoginUser } from '../../shared/names.js';
import { createLocalServer } from '../../shared/runtime/local-http.js';
import { local, localStoreEnv } from '../local-env.js';
import { proxyEvent, writeMark } from '../risk-fixtures.js';
import { seedRedis } from '../support/seed.js';
import { establishStateEpoch } from '../support/state-epoch.js';

/**
 * The limits what-if and two-approver changes (issue #17) over real PostgreSQL and Redis:
 * decisions recorded by the real risk API (through the audit spool and the drainer's copy)
 * are replayed by the admin API under proposed limits, over HTTP routes and the CLI; a
 * proposal carries its what-if, is refused to its proposer, expires, is applied by a second
 * risk manager and reaches the risk API's next decision; breaker thresholds go the same way.
 *
 * The recorded set (BTC/USD mid 65,000; NAV 1,000,000, max_order_notional 250,000, the
 * other limits at their defaults) and what each proposal does to it, stated by hand:
 *   a  buy 0.1  (6,500)    accept   tight (5,000 cap): reject MAX_ORDER_NOTIONAL
 *   b  buy 1    (65,000)   accept   tight: reject MAX_ORDER_NOTIONAL
 *   c  buy 0.05 (3,250)    accept   tight: accept
 *   d  buy 5    (325,000)  reject MAX_ORDER_NOTIONAL, NAV_LIMIT_BREACH (6.15 BTC with a-c
 *      reserved = 399,750 > 200,000) and DIVERSIFICATION_BREACH (> 350,000);
 *      loose (400,000 cap, 50% NAV, 50% one instrument): accept
 *   e  cancel of a         accept under any limits
 *   g  amend of b to 0.5 (32,500) accept   tight: reject MAX_ORDER_NOTIONAL (an amend replays on
 *      the order it changed, as recorded)
 */
const TTL_MS = 60_000;
const accountId = `wif-${randomUUID().slice(0, 8)}`;
const breakerSymbol = `T${randomUUID().slice(0, 6).toUpperCase().replace(/-/g, '')}/USD`;
const TIGHT = { nav: '1000000', max_order_notional: '5000' };
const LOOSE = {
  nav: '1000000',
  max_order_notional: '400000',
  max_nav_percent: '0.5',
  max_single_instrument_percent: '0.5',
};
const run = promisify(execFile);

let redis: Redis;
let admin: AdminApi;
let riskApi: RiskApi;
let adminRoute: ReturnType<typeof createAdminRouter>;
let riskRoute: ReturnType<typeof createRouter>;
let server: http.Server;
let baseUrl: string;
/** Added to the admin API's clock, to let a proposal outlive its time to live. */
let skewMs = 0;
let from: string;
const orders: Record<string, string> = {};

const admin$ = async (method: string, route: string, body?: unknown, query?: Record<string, string>) => {
  const result = await adminRoute(proxyEvent(method, route, body, query));
  return { status: result.statusCode, body: JSON.parse(result.body) };
};
const validate = async (body: object) => {
  const result = await riskRoute(proxyEvent('POST', '/v1/risk/validate', body));
  return JSON.parse(result.body) as { decision: string; reasons: { code: string }[] };
};
const buy = async (key: string, quantity: string) => {
  const body = orderBody({ account_id: accountId, quantity });
  orders[key] = body.order_id;
  return validate(body);
};
const drain = () =>
  moveSpoolBatches(
    {
      spool: new RedisAuditSpool(riskApi.adapters.redis),
      table: new PostgresDecisionAuditWriter(riskApi.adapters.pool),
    },
    { batchSize: 500, maxBatches: 20 },
  );
const accounts = `/v1/admin/accounts/${accountId}`;
const until = () => new Date(Date.now() + 1_000).toISOString();
const codes = (d: { reasons: { code: string }[] }) => d.reasons.map((r) => r.code).sort();

beforeAll(async () => {
  const storeEnv = localStoreEnv();
  redis = createRedisClient({ host: local.redisHost, port: local.redisPort, db: local.testRedisDb, tls: false });
  await redis.connect();
  admin = await createAdminApi(
    adminApiConfigSchema.parse({
      ...storeEnv,
      DATABASE_USER: databaseLoginUser('adminApi'),
      // No kill switch is engaged here: the channels are never called.
      KILL_EVENT_BUS_NAME: 'unused',
      KILL_NOTIFY_TOPIC_ARN: 'arn:aws:sns:eu-west-1:000000000000:unused',
      CHANGE_PROPOSAL_TTL_MS: String(TTL_MS),
      WHAT_IF_MAX_DECISIONS: '6',
      WHAT_IF_MAX_RANGE_MS: String(3_600_000),
    }),
    { now: () => Date.now() + skewMs },
  );
  adminRoute = createAdminRouter(admin.services);
  riskApi = await createRiskApi(
    riskApiConfigSchema.parse({ ...storeEnv, DATABASE_USER: databaseLoginUser('riskApi'), LIMITS_CACHE_TTL_MS: '1' }),
  );
  riskRoute = createRouter(riskApi.ports, 'local');
  await seedRedis(redis);
  await establishStateEpoch(redis, admin.pool);
  await writeMark(redis, 'BTC/USD', '64999.5', '65000.5', Date.now() + 600_000, { mid: '65000' });
  server = createLocalServer(adminRoute);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // The account, through the admin API with two people, then its decisions through the risk API.
  const created = await admin$('POST', '/v1/admin/accounts', {
    account_id: accountId,
    display_name: 'What-if desk',
    kind: 'strategy',
    limits: { nav: '1000000', max_order_notional: '250000' },
    actor: 'alice',
    reason: 'what-if test',
  });
  const applied = await admin$('POST', `${accounts}/limits/proposals/${created.body.proposal_id}/apply`, {
    actor: 'bob',
  });
  expect(applied).toMatchObject({ status: 200, body: { version: 1 } });
  await new Promise((resolve) => setTimeout(resolve, 5));
  from = new Date(Date.now() - 1_000).toISOString();
  const recorded = [await buy('a', '0.1'), await buy('b', '1'), await buy('c', '0.05'), await buy('d', '5')];
  const cancel = await validate({ action: 'cancel', account_id: accountId, order_id: orders.a, symbol: 'BTC/USD' });
  const amend = await validate({
    action: 'amend',
    account_id: accountId,
    order_id: orders.b,
    symbol: 'BTC/USD',
    quantity: '0.5',
  });
  // The hand-stated outcomes hold for what the risk API really answered.
  expect(recorded.map((d) => d.decision)).toEqual(['accept', 'accept', 'accept', 'reject']);
  expect(codes(recorded[3] as { reasons: { code: string }[] })).toEqual([
    'DIVERSIFICATION_BREACH',
    'MAX_ORDER_NOTIONAL',
    'NAV_LIMIT_BREACH',
  ]);
  expect(cancel.decision).toBe('accept');
  expect(amend.decision, JSON.stringify(amend)).toBe('accept');
  await drain();
}, 60_000);

afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await admin?.close();
  await riskApi?.close();
  redis?.disconnect();
});

describe('Limits what-if over decisions recorded by the risk API', () => {
  it('reports the flips stated by hand under tighter and under looser limits, and changes nothing', async () => {
    // Act
    const tight = await admin$('POST', `${accounts}/limits/what-if`, { limits: TIGHT, from, to: until() });
    const loose = await admin$('POST', `${accounts}/limits/what-if`, { limits: LOOSE, from, to: until() });
    const limits = await admin$('GET', `${accounts}/limits`);

    // Assess
    expect(tight.status, JSON.stringify(tight.body)).toBe(200);
    expect(tight.body.totals).toEqual({ decisions: 6, replayed: 6, unchanged: 3, flipped: 3, not_replayable: 0 });
    expect(tight.body.flips.accept_to_reject).toMatchObject({ count: 3, by_reason: { MAX_ORDER_NOTIONAL: 3 } });
    expect(tight.body.flips.accept_to_reject.examples.map((e: { order_id: string }) => e.order_id)).toEqual([
      orders.a,
      orders.b,
      orders.b,
    ]);
    expect(tight.body.flips.accept_to_reject.examples[2].proposed.reasons[0].message).toContain('32500');
    expect(tight.body.flips.reject_to_accept.count).toBe(0);
    expect(loose.body.totals).toMatchObject({ replayed: 6, flipped: 1 });
    expect(loose.body.flips.reject_to_accept).toMatchObject({
      count: 1,
      by_reason: { DIVERSIFICATION_BREACH: 1, MAX_ORDER_NOTIONAL: 1, NAV_LIMIT_BREACH: 1 },
    });
    expect(loose.body.flips.reject_to_accept.examples[0].order_id).toBe(orders.d);
    // Side-effect free: the version in force is still the first.
    expect(limits.body.version).toBe(1);
  });

  it('refuses a malformed what-if naming the field, an unknown account 404, a wrong method 405', async () => {
    // Act
    const backwards = await admin$('POST', `${accounts}/limits/what-if`, { limits: TIGHT, from: until(), to: from });
    const badLimits = await admin$('POST', `${accounts}/limits/what-if`, {
      limits: { nav: '-1' },
      from,
      to: until(),
    });
    const unknown = await admin$('POST', '/v1/admin/accounts/nobody-here/limits/what-if', {
      limits: TIGHT,
      from,
      to: until(),
    });
    const wrongMethod = await admin$('GET', `${accounts}/limits/what-if`);

    // Assess
    expect(backwards).toMatchObject({ status: 400, body: { code: 'INVALID_REQUEST', issues: [{ field: 'to' }] } });
    expect(badLimits).toMatchObject({ status: 400, body: { issues: [{ field: 'limits.nav' }] } });
    expect(unknown).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    expect(wrongMethod).toMatchObject({ status: 405, body: { code: 'METHOD_NOT_ALLOWED' } });
  });

  it('answers the same from the CLI, and refuses a range past its bound with a machine-readable code', async () => {
    // Prepare
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'what-if-')), 'limits.json');
    writeFileSync(file, JSON.stringify(TIGHT));
    const cli = (...extra: string[]) =>
      run(
        path.join(local.root, 'node_modules', '.bin', 'tsx'),
        ['scripts/what-if.ts', accountId, '--limits', file, '--url', baseUrl, ...extra],
        { cwd: local.root },
      ).then(
        (r) => ({ code: 0, stdout: r.stdout }),
        (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
      );

    // Act
    const [ok, tooLong] = await Promise.all([
      cli('--from', from, '--to', until()),
      cli('--from', '2026-01-01T00:00:00Z', '--to', '2026-01-02T00:00:00Z'),
    ]);

    // Assess
    expect(ok.code, ok.stdout).toBe(0);
    expect(ok.stdout).toContain('accept -> reject (3): MAX_ORDER_NOTIONAL 3');
    const report = JSON.parse(ok.stdout.trim().split('\n').at(-1) as string);
    expect(report.totals).toMatchObject({ decisions: 6, flipped: 3 });
    expect(tooLong.code).toBe(1);
    expect(tooLong.stdout).toContain('422');
    expect(tooLong.stdout).toContain('WHAT_IF_RANGE_TOO_LONG');
  }, 60_000);
});

describe('Limits changes with two approvers', () => {
  it('a proposal carries its what-if; its proposer cannot apply it; a second approver does, on the record, and the risk API follows', async () => {
    // Act
    const proposed = await admin$('POST', `${accounts}/limits/proposals`, {
      limits: TIGHT,
      actor: 'alice',
      reason: 'tighten the order cap',
    });
    const proposalId = proposed.body.proposal_id as string;
    const shown = await admin$('GET', `${accounts}/limits/proposals/${proposalId}`);
    const byProposer = await admin$('POST', `${accounts}/limits/proposals/${proposalId}/apply`, { actor: 'alice' });
    const bySecond = await admin$('POST', `${accounts}/limits/proposals/${proposalId}/apply`, { actor: 'bob' });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const after = await validate(orderBody({ account_id: accountId, quantity: '0.1' }));
    const done = await admin$('GET', `${accounts}/limits/proposals/${proposalId}`);

    // Assess
    expect(proposed.status).toBe(201);
    expect(shown.body).toMatchObject({ status: 'pending', base_version: 1, proposed_by: 'alice' });
    expect(shown.body.what_if).toMatchObject({ truncated: false, computed_by: 'alice' });
    expect(shown.body.what_if.flips.accept_to_reject).toMatchObject({ count: 3, by_reason: { MAX_ORDER_NOTIONAL: 3 } });
    expect(byProposer).toMatchObject({ status: 409, body: { code: 'SECOND_APPROVER_REQUIRED' } });
    expect(bySecond).toMatchObject({ status: 200, body: { version: 2 } });
    expect(after.decision).toBe('reject');
    expect(codes(after)).toContain('MAX_ORDER_NOTIONAL');
    expect(done.body).toMatchObject({ status: 'applied', applied_by: 'bob', applied_version: 2 });
    expect(done.body.log.map((e: { action: string; actor: string }) => `${e.action}:${e.actor}`)).toEqual([
      'propose:alice',
      'what_if:alice',
      'refuse:alice',
      'apply:bob',
    ]);
    expect(done.body.log[2].details.refused).toBe('SecondApproverRequiredError');
    const { rows } = await admin.pool.query(
      'SELECT action FROM change_proposal_log WHERE proposal_id = $1 ORDER BY id',
      [proposalId],
    );
    expect(rows.map((r) => r.action)).toEqual(['propose', 'what_if', 'refuse', 'apply']);
  });

  it('refuses a proposal past its time to live and one made on a version no longer in force, each on the record', async () => {
    // Prepare
    const propose = async (limits: unknown) =>
      (await admin$('POST', `${accounts}/limits/proposals`, { limits, actor: 'carol', reason: 'another change' })).body
        .proposal_id as string;
    const stale = await propose(LOOSE);
    const first = await propose({ nav: '1000000', max_order_notional: '6000' });
    const second = await propose({ nav: '1000000', max_order_notional: '7000' });

    // Act
    const attached = await admin$('POST', `${accounts}/limits/proposals/${stale}/what-if`, {
      actor: 'frank',
      from,
      to: until(),
    });
    const applyFirst = await admin$('POST', `${accounts}/limits/proposals/${first}/apply`, { actor: 'dave' });
    const attachApplied = await admin$('POST', `${accounts}/limits/proposals/${first}/what-if`, { actor: 'frank' });
    const applySecond = await admin$('POST', `${accounts}/limits/proposals/${second}/apply`, { actor: 'dave' });
    skewMs = TTL_MS + 1;
    const applyStale = await admin$('POST', `${accounts}/limits/proposals/${stale}/apply`, { actor: 'dave' });
    const listed = await admin$('GET', `${accounts}/limits/proposals`);
    skewMs = 0;

    // Assess
    expect(attached).toMatchObject({ status: 200, body: { what_if: { computed_by: 'frank', truncated: false } } });
    expect(attached.body.what_if.flips.reject_to_accept.count).toBe(1);
    expect(applyFirst).toMatchObject({ status: 200, body: { version: 3 } });
    expect(attachApplied).toMatchObject({ status: 409, body: { code: 'IDEMPOTENCY_CONFLICT' } });
    expect(applySecond).toMatchObject({
      status: 409,
      body: { code: 'PROPOSAL_SUPERSEDED', base_version: 2, current_version: 3 },
    });
    expect(applyStale).toMatchObject({ status: 409, body: { code: 'PROPOSAL_EXPIRED' } });
    expect(listed.body.proposals.find((p: { proposal_id: string }) => p.proposal_id === stale).status).toBe('expired');
    const { rows } = await admin.pool.query(
      `SELECT proposal_id, details->>'refused' AS refused FROM change_proposal_log WHERE action = 'refuse' AND proposal_id = ANY($1)`,
      [[stale, second]],
    );
    expect(Object.fromEntries(rows.map((r) => [r.proposal_id, r.refused]))).toEqual({
      [stale]: 'ProposalExpiredError',
      [second]: 'ProposalSupersededError',
    });
  });

  it('refuses a what-if over more decisions than its bound; a proposal attaches the newest of them, saying so', async () => {
    // Prepare: a seventh decision in the range (the bound is 6 here).
    await buy('f', '0.01');
    await drain();

    // Act
    const tooMany = await admin$('POST', `${accounts}/limits/what-if`, { limits: TIGHT, from, to: until() });
    const proposed = await admin$('POST', `${accounts}/limits/proposals`, {
      limits: TIGHT,
      actor: 'erin',
      reason: 'a busy account',
    });
    const shown = await admin$('GET', `${accounts}/limits/proposals/${proposed.body.proposal_id}`);

    // Assess
    expect(tooMany).toMatchObject({
      status: 422,
      body: { code: 'WHAT_IF_TOO_MANY_DECISIONS', max_decisions: 6 },
    });
    expect(shown.body.what_if).toMatchObject({ truncated: true, totals: { decisions: 6 } });
    expect(shown.body.what_if.from > from).toBe(true);
  });
});

describe('Breaker thresholds with two approvers', () => {
  it('are proposed, refused to their proposer, applied by a second approver as the next version the evaluators read', async () => {
    // Act
    const proposed = await admin$('POST', '/v1/admin/breakers/config/proposals', {
      symbol: breakerSymbol,
      config: { spread_trip_bps: '60', spread_clear_bps: '30' },
      actor: 'alice',
      reason: 'wider spread breaker for a thin book',
    });
    const id = proposed.body.proposal_id as string;
    const badConfig = await admin$('POST', '/v1/admin/breakers/config/proposals', {
      symbol: breakerSymbol,
      config: { spread_trip_bps: '10', spread_clear_bps: '30' },
      actor: 'alice',
      reason: 'clear above trip',
    });
    const byProposer = await admin$('POST', `/v1/admin/breakers/config/proposals/${id}/apply`, { actor: 'alice' });
    const bySecond = await admin$('POST', `/v1/admin/breakers/config/proposals/${id}/apply`, { actor: 'bob' });
    const inForce = await admin$('GET', '/v1/admin/breakers/config');
    const evaluatorView = await new PostgresBreakerConfigSource(admin.pool, { ttlMs: 0, maxStaleMs: 0 }).get();
    const shown = await admin$('GET', `/v1/admin/breakers/config/proposals/${id}`);

    // Assess
    expect(proposed).toMatchObject({
      status: 201,
      body: { status: 'pending', subject: breakerSymbol, base_version: 0 },
    });
    expect(badConfig).toMatchObject({ status: 400, body: { code: 'INVALID_REQUEST' } });
    expect(byProposer).toMatchObject({ status: 409, body: { code: 'SECOND_APPROVER_REQUIRED' } });
    expect(bySecond).toMatchObject({ status: 200, body: { symbol: breakerSymbol, version: 1 } });
    expect(inForce.body.configs).toContainEqual(
      expect.objectContaining({ symbol: breakerSymbol, version: 1, created_by: 'bob' }),
    );
    expect(evaluatorView.for(breakerSymbol)).toMatchObject({ spread_trip_bps: '60', spread_clear_bps: '30' });
    expect(shown.body.log.map((e: { action: string }) => e.action)).toEqual(['propose', 'refuse', 'apply']);
  });
});
