import { randomUUID } from 'node:crypto';
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type AdminApi, createAdminApi } from '../../functions/admin-api/app.js';
import { adminApiConfigSchema } from '../../functions/admin-api/config.js';
import { createAdminRouter } from '../../functions/admin-api/router.js';
import { killExecutorPorts } from '../../functions/kill-executor/app.js';
import { executeKill, FLATTEN_POSITIONS_REQUESTED } from '../../functions/kill-executor/execute-kill.js';
import { createRiskApi, type RiskApi } from '../../functions/risk-api/app.js';
import { riskApiConfigSchema } from '../../functions/risk-api/config.js';
import { createRouter } from '../../functions/risk-api/router.js';
import { EventBridgePublisher } from '../../shared/adapters/aws-channels.js';
import { createSecretsManagerClient } from '../../shared/adapters/aws-clients.js';
import { RedisBreakerStore } from '../../shared/adapters/breakers/breaker-store.js';
import { KrakenKeyStore } from '../../shared/adapters/kraken-keys.js';
import { KrakenRestClient } from '../../shared/adapters/kraken-rest.js';
import { createPostgresPool } from '../../shared/adapters/postgres/pool.js';
import { createRedisClient } from '../../shared/adapters/redis/client.js';
import type { KillSwitchTriggeredEvent } from '../../shared/domain/controls/kill-switch.js';
import { orderBody } from '../../shared/domain/risk/fixtures.js';
import { databaseLoginUser, krakenKeySecretName, REDIS_KEYS, TABLES } from '../../shared/names.js';
import { FakeKrakenRest } from '../fakes/kraken-rest/server.js';
import { databaseUrl, local, localStoreEnv } from '../local-env.js';
import { proxyEvent, writeMark } from '../risk-fixtures.js';
import { seedPostgres, seedRedis } from '../support/seed.js';
import { establishStateEpoch } from '../support/state-epoch.js';

/**
 * Controls end to end on the local stand-ins: Redis and Postgres (state, log), LocalStack
 * (EventBridge -> SQS for the event, SNS -> SQS for the notification, Secrets Manager for
 * Kraken keys) and the fake Kraken REST server (signature and nonce checks).
 */
const sqs = new SQSClient({});
const sns = new SNSClient({});
const eventBridge = new EventBridgeClient({});
const kraken = new FakeKrakenRest();
let redis: Redis;
let pool: pg.Pool;
/** The kill executor's own connections, as its database user (migration 011). */
let executorPool: pg.Pool;
let busName: string;
let topicArn: string;
let eventQueueUrl: string;
let notifyQueueUrl: string;
let admin: AdminApi;
let riskApi: RiskApi;
let adminRoute: ReturnType<typeof createAdminRouter>;
let riskRoute: ReturnType<typeof createRouter>;

const storeEnv = {
  ...localStoreEnv(),
};

async function queue(name: string): Promise<{ url: string; arn: string }> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { url: QueueUrl as string, arn: Attributes?.QueueArn as string };
}

/** Receives messages until `until` matches one of them (or the time runs out); returns all received. */
async function receive(
  url: string,
  until: (body: unknown) => boolean = () => true,
  timeoutMs = 5_000,
): Promise<unknown[]> {
  const deadline = Date.now() + timeoutMs;
  const received: unknown[] = [];
  while (Date.now() < deadline) {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }),
    );
    for (const message of Messages ?? []) {
      let body: unknown = message.Body;
      try {
        body = JSON.parse(message.Body ?? 'null');
      } catch {
        // SNS raw delivery of a plain-text notification
      }
      received.push(body);
    }
    if (received.some(until)) return received;
  }
  return received;
}

const withEventId = (eventId: string) => (body: unknown) =>
  (body as { detail?: { event_id?: string } })?.detail?.event_id === eventId;

const admin$ = (method: string, path: string, body?: unknown) => adminRoute(proxyEvent(method, path, body));
const validate = async (accountId: string) => {
  const result = await riskRoute(
    proxyEvent('POST', '/v1/risk/validate', orderBody({ account_id: accountId, quantity: '0.01' })),
  );
  return JSON.parse(result.body) as { decision: string; reasons: { code: string }[] };
};

beforeAll(async () => {
  const suffix = randomUUID().slice(0, 8);
  busName = `risk-gate-it-${suffix}`;
  await eventBridge.send(new CreateEventBusCommand({ Name: busName }));
  const events = await queue(`kill-events-${suffix}`);
  eventQueueUrl = events.url;
  await eventBridge.send(
    new PutRuleCommand({
      Name: `kill-${suffix}`,
      EventBusName: busName,
      EventPattern: JSON.stringify({ source: ['risk-gate'] }),
    }),
  );
  await eventBridge.send(
    new PutTargetsCommand({ Rule: `kill-${suffix}`, EventBusName: busName, Targets: [{ Id: 'q', Arn: events.arn }] }),
  );
  const notifications = await queue(`kill-notify-${suffix}`);
  notifyQueueUrl = notifications.url;
  topicArn = (await sns.send(new CreateTopicCommand({ Name: `kill-notify-${suffix}` }))).TopicArn as string;
  await sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: notifications.arn,
      Attributes: { RawMessageDelivery: 'true' },
    }),
  );
  await kraken.start();

  redis = createRedisClient({ host: local.redisHost, port: local.redisPort, db: local.testRedisDb, tls: false });
  await redis.connect();
  pool = new pg.Pool({ connectionString: databaseUrl() });
  await seedPostgres(pool);
  executorPool = createPostgresPool({
    connectionString: databaseUrl(),
    user: databaseLoginUser('killExecutor'),
    tls: false,
  });
  admin = await createAdminApi(
    adminApiConfigSchema.parse({
      ...storeEnv,
      DATABASE_USER: databaseLoginUser('adminApi'),
      KILL_EVENT_BUS_NAME: busName,
      KILL_NOTIFY_TOPIC_ARN: topicArn,
      KRAKEN_REST_URL: kraken.url,
      RELEASE_WINDOW_MS: '60000',
    }),
  );
  adminRoute = createAdminRouter(admin.services);
  riskApi = await createRiskApi(
    riskApiConfigSchema.parse({ ...storeEnv, DATABASE_USER: databaseLoginUser('riskApi'), LIMITS_CACHE_TTL_MS: '1' }),
  );
  riskRoute = createRouter(riskApi.ports, 'local');
});

afterAll(async () => {
  await admin.close();
  await riskApi.close();
  redis.disconnect();
  await pool.end();
  await executorPool.end();
  await kraken.stop();
});

beforeEach(async () => {
  await redis.flushdb();
  await seedRedis(redis);
  await establishStateEpoch(redis, pool);
  await writeMark(redis, 'BTC/USD', '64999.5', '65000.5', Date.now() + 60_000, { mid: '65000' });
});

describe('Kill switch (Redis, Postgres, EventBridge, SNS on LocalStack)', () => {
  it('engage -> the risk API rejects the scope at once; event and notification are delivered and logged', async () => {
    expect((await validate('director-a')).decision).toBe('accept');

    // A strategy keeps asking while a risk manager engages: time from engage to its first reject.
    let firstRejectAt = 0;
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const decision = await validate('director-a');
        if (decision.reasons.some((r) => r.code === 'KILL_SWITCH_ACTIVE')) {
          firstRejectAt = performance.now();
          return;
        }
      }
    })();
    const started = performance.now();
    const engaged = await admin$('POST', '/v1/admin/kill-switch', {
      scope: 'account',
      target: 'director-a',
      reason: 'manual',
      actor: 'alice',
    });
    const answeredAt = performance.now();
    polling = false;
    await poller;
    console.log(
      `kill switch: engage -> first reject ${(firstRejectAt - started).toFixed(1)} ms; engage answered (all channels) in ${(answeredAt - started).toFixed(1)} ms`,
    );
    expect(engaged.statusCode).toBe(200);
    expect(firstRejectAt).toBeGreaterThan(started);
    expect(await validate('director-a')).toMatchObject({
      decision: 'reject',
      reasons: [{ code: 'KILL_SWITCH_ACTIVE' }],
    });
    expect((await validate('director-b')).decision).toBe('accept'); // other accounts unaffected

    const eventId = JSON.parse(engaged.body).event_id as string;
    const delivered = (
      (await receive(eventQueueUrl, withEventId(eventId))) as {
        'detail-type': string;
        detail: KillSwitchTriggeredEvent;
      }[]
    ).find(withEventId(eventId));
    expect(delivered?.['detail-type']).toBe('KILL_SWITCH_TRIGGERED');
    expect(delivered?.detail).toMatchObject({
      scope: 'account',
      target: 'director-a',
      actions: ['CANCEL_OPEN_ORDERS', 'FLATTEN_POSITIONS'],
      event_id: eventId,
    });
    const notes = await receive(notifyQueueUrl, (b) => String(b).includes('director-a'));
    expect(JSON.stringify(notes)).toContain('director-a');

    const history = JSON.parse((await admin$('GET', '/v1/admin/kill-switch/history')).body).history;
    expect(history[0]).toMatchObject({ action: 'engage', actor: 'alice', target: 'director-a' });
    const state = JSON.parse((await admin$('GET', '/v1/admin/kill-switch')).body).engaged;
    expect(state).toEqual([expect.objectContaining({ scope: 'account', target: 'director-a', reason: 'manual' })]);
  });

  it('release needs two distinct approvers: one alone is refused, two release', async () => {
    await admin$('POST', '/v1/admin/kill-switch', { scope: 'global', reason: 'drill', actor: 'alice' });
    expect((await validate('company')).decision).toBe('reject');

    const first = await admin$('POST', '/v1/admin/kill-switch/release', {
      scope: 'global',
      actor: 'alice',
      reason: 'drill over',
    });
    expect(first.statusCode).toBe(202);
    expect(JSON.parse(first.body)).toMatchObject({ code: 'RELEASE_PENDING_SECOND_APPROVAL', approvers: ['alice'] });
    expect((await validate('company')).decision).toBe('reject');

    const again = await admin$('POST', '/v1/admin/kill-switch/release', {
      scope: 'global',
      actor: 'alice',
      reason: 'drill over',
    });
    expect(again.statusCode).toBe(409);
    expect(JSON.parse(again.body).code).toBe('SECOND_APPROVER_REQUIRED');

    const second = await admin$('POST', '/v1/admin/kill-switch/release', {
      scope: 'global',
      actor: 'bob',
      reason: 'drill over',
    });
    expect(second.statusCode).toBe(200);
    expect(JSON.parse(second.body)).toEqual({ released: true, approvers: ['alice', 'bob'] });
    expect((await validate('company')).decision).toBe('accept');

    const none = await admin$('POST', '/v1/admin/kill-switch/release', {
      scope: 'global',
      actor: 'carol',
      reason: 'again',
    });
    expect(JSON.parse(none.body).code).toBe('KILL_SWITCH_NOT_ENGAGED');
  });

  it('answers 207 naming the channel when the notification cannot be sent, and is still engaged', async () => {
    const broken = await createAdminApi(
      adminApiConfigSchema.parse({
        ...storeEnv,
        DATABASE_USER: databaseLoginUser('adminApi'),
        KILL_EVENT_BUS_NAME: busName,
        KILL_NOTIFY_TOPIC_ARN: `${topicArn}-does-not-exist`,
        KRAKEN_REST_URL: kraken.url,
      }),
    );
    try {
      const result = await createAdminRouter(broken.services)(
        proxyEvent('POST', '/v1/admin/kill-switch', {
          scope: 'symbol',
          target: 'BTC/USD',
          reason: 'spread_widening',
          actor: 'alice',
        }),
      );
      expect(result.statusCode).toBe(207);
      expect(JSON.parse(result.body).failed_channels).toEqual(['notification']);
      expect(await validate('company')).toMatchObject({
        decision: 'reject',
        reasons: [{ code: 'KILL_SWITCH_ACTIVE' }],
      });
    } finally {
      await broken.close();
    }
  });
});

describe('Kraken keys and the kill executor (Secrets Manager on LocalStack, fake Kraken REST)', () => {
  it('stores a key only after Kraken accepts it, keeps it out of every log line, and CancelAll reaches Kraken signed', async () => {
    const credentials = kraken.addKey(4);
    const captured: string[] = [];
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => captured.push(args.map(String).join(' '))),
    );
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      captured.push(String(chunk));
      return true;
    });
    let stored: { statusCode: number; body: string };
    let refused: { statusCode: number; body: string };
    try {
      refused = await admin$('PUT', '/v1/admin/accounts/company/kraken-key', {
        api_key: credentials.apiKey,
        api_secret: Buffer.from('not-the-secret-at-all-0123456789').toString('base64'),
        actor: 'alice',
      });
      stored = await admin$('PUT', '/v1/admin/accounts/company/kraken-key', {
        api_key: credentials.apiKey,
        api_secret: credentials.apiSecret,
        actor: 'alice',
      });
    } finally {
      for (const spy of [...spies, stdout]) spy.mockRestore();
    }
    expect(refused.statusCode).toBe(422);
    expect(JSON.parse(refused.body).code).toBe('KRAKEN_KEY_REJECTED');
    expect(stored.statusCode).toBe(200);
    expect(stored.body).not.toContain(credentials.apiSecret);
    expect(captured.join('\n')).not.toContain(credentials.apiSecret);

    const secret = await createSecretsManagerClient().send(
      new GetSecretValueCommand({ SecretId: krakenKeySecretName('local', 'company') }),
    );
    expect(JSON.parse(secret.SecretString ?? '{}')).toEqual({
      api_key: credentials.apiKey,
      api_secret: credentials.apiSecret,
    });
    const { rows } = await pool.query(
      `SELECT rotated_by FROM ${TABLES.krakenKeyRotations} WHERE account_id = 'company' ORDER BY id DESC LIMIT 1`,
    );
    expect(rows[0]?.rotated_by).toBe('alice');

    // Engage on the account, then run the executor on the event EventBridge delivered.
    const engaged = await admin$('POST', '/v1/admin/kill-switch', {
      scope: 'account',
      target: 'company',
      reason: 'loss_cap_breach',
      actor: 'alice',
    });
    const eventId = JSON.parse(engaged.body).event_id as string;
    const delivered = (await receive(eventQueueUrl, withEventId(eventId))) as { detail: KillSwitchTriggeredEvent }[];
    const trigger = delivered.find(withEventId(eventId))?.detail;
    expect(trigger).toBeDefined();

    kraken.failNext(1); // one transient failure: the executor must retry it
    const results = await executeKill(
      trigger as KillSwitchTriggeredEvent,
      killExecutorPorts({
        pool: executorPool,
        redis,
        kraken: new KrakenRestClient(kraken.url),
        keys: new KrakenKeyStore(createSecretsManagerClient(), 'local'),
        events: new EventBridgePublisher(busName),
        sleep: async () => {},
        deadMansSwitchSeconds: 60,
      }),
    );
    expect(results.map((r) => [r.action, r.outcome])).toEqual([
      ['CancelAll', 'ok'],
      ['CancelAllOrdersAfter', 'ok'],
    ]);
    expect(results[0]?.attempts).toBe(2);
    const cancels = kraken.calls.filter((c) => c.method === 'CancelAll' && c.apiKey === credentials.apiKey);
    expect(cancels.every((c) => c.signatureValid)).toBe(true);
    expect(kraken.openOrdersOf(credentials.apiKey)).toBe(0);
    const isFlatten = (b: unknown) => (b as { 'detail-type'?: string })['detail-type'] === FLATTEN_POSITIONS_REQUESTED;
    const flatten = (await receive(eventQueueUrl, isFlatten)) as { 'detail-type': string }[];
    expect(flatten.map((m) => m['detail-type'])).toContain(FLATTEN_POSITIONS_REQUESTED);

    // A redelivered event does not cancel twice.
    const callsBefore = kraken.calls.length;
    await executeKill(
      trigger as KillSwitchTriggeredEvent,
      killExecutorPorts({
        pool: executorPool,
        redis,
        kraken: new KrakenRestClient(kraken.url),
        keys: new KrakenKeyStore(createSecretsManagerClient(), 'local'),
        events: new EventBridgePublisher(busName),
        sleep: async () => {},
      }),
    );
    expect(kraken.calls.filter((c) => c.method === 'CancelAll').length).toBe(cancels.length);
    expect(kraken.calls.length).toBe(callsBefore);
  });
});

describe('Limits administration', () => {
  it('propose then apply creates a new version the risk API uses on its next decision', async () => {
    // Its own account: the seed accounts' limits are shared with other test files.
    await pool.query(
      `INSERT INTO ${TABLES.accounts} (account_id, display_name, kind) VALUES ('limits-it', 'Limits IT', 'strategy') ON CONFLICT DO NOTHING`,
    );
    await pool.query(
      `INSERT INTO ${TABLES.accountLimits} (account_id, version, limits, created_by, reason)
       VALUES ('limits-it', 1, '{"nav":"250000"}', 'test', 'seed') ON CONFLICT DO NOTHING`,
    );
    expect((await validate('limits-it')).decision).toBe('accept');
    const proposal = await admin$('POST', '/v1/admin/accounts/limits-it/limits/proposals', {
      limits: { nav: '250000', max_order_notional: '100', allowed_symbols: ['BTC/USD', 'ETH/USD'] },
      actor: 'alice',
      reason: 'tighten for review',
    });
    expect(proposal.statusCode).toBe(201);
    const { proposal_id } = JSON.parse(proposal.body);
    const applied = await admin$('POST', `/v1/admin/accounts/limits-it/limits/proposals/${proposal_id}/apply`, {
      actor: 'bob',
    });
    expect(applied.statusCode).toBe(200);
    const { version } = JSON.parse(applied.body);
    expect(version).toBeGreaterThan(1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const decision = await validate('limits-it');
    expect(decision.reasons.map((r) => r.code)).toContain('MAX_ORDER_NOTIONAL');
    const bad = await admin$('POST', '/v1/admin/accounts/limits-it/limits/proposals', {
      limits: { nav: '-5' },
      actor: 'alice',
      reason: 'oops',
    });
    expect(bad.statusCode).toBe(400);
  });
});

describe('Breaker reset', () => {
  it('clears every tripped cause at once, audited in breaker_events before the change; trading resumes', async () => {
    // Trip the breaker the way the market evaluator does.
    const breakers = new RedisBreakerStore(redis);
    await breakers.apply([
      {
        symbol: 'BTC/USD',
        cause: 'volatility',
        tripped: true,
        reason: 'realised vol 412 bps over 60 s',
        atMs: Date.now(),
        value: '412',
        threshold: '300',
        sourceId: `it-${randomUUID()}`,
      },
    ]);
    expect((await validate('company')).reasons.map((r) => r.code)).toContain('SYMBOL_BREAKER_TRIPPED');

    const reset = await admin$('POST', '/v1/admin/breakers/reset', {
      symbol: 'BTC/USD',
      actor: 'carol',
      reason: 'vol spike was a bad print',
    });
    expect(reset.statusCode).toBe(200);
    expect(JSON.parse(reset.body)).toEqual({
      symbol: 'BTC/USD',
      state: 'clear',
      cleared_causes: ['volatility'],
      reset_by: 'carol',
    });
    expect(await redis.hgetall(REDIS_KEYS.breaker('BTC/USD'))).toMatchObject({
      state: 'clear',
      'cause:volatility': '0',
    });
    expect((await validate('company')).decision).toBe('accept');

    const { rows } = await pool.query(
      `SELECT cause, tripped, reason, source_id FROM ${TABLES.breakerEvents}
        WHERE symbol = 'BTC/USD' AND source_id LIKE 'manual:%' ORDER BY id DESC LIMIT 1`,
    );
    expect(rows[0]).toMatchObject({ cause: 'volatility', tripped: false });
    expect(rows[0].reason).toBe('manual reset by carol: vol spike was a bad print');

    // Nothing tripped: the reset is still on record, as cause `manual`.
    const again = await admin$('POST', '/v1/admin/breakers/reset', {
      symbol: 'BTC/USD',
      actor: 'carol',
      reason: 'belt and braces',
    });
    expect(JSON.parse(again.body).cleared_causes).toEqual([]);
    const { rows: manual } = await pool.query(
      `SELECT cause FROM ${TABLES.breakerEvents} WHERE symbol = 'BTC/USD' AND reason = 'manual reset by carol: belt and braces'`,
    );
    expect(manual).toEqual([{ cause: 'manual' }]);

    const missingReason = await admin$('POST', '/v1/admin/breakers/reset', { symbol: 'BTC/USD', actor: 'carol' });
    expect(missingReason.statusCode).toBe(400);
    expect(JSON.parse(missingReason.body).issues[0].field).toBe('reason');
  });
});
