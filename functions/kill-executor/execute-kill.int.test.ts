import { randomUUID } from 'node:crypto';
import { CreateSecretCommand, DeleteSecretCommand } from '@aws-sdk/client-secrets-manager';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretsManagerClient } from '../../shared/adapters/aws-clients.js';
import { KrakenKeyStore } from '../../shared/adapters/kraken-keys.js';
import { KrakenRestClient } from '../../shared/adapters/kraken-rest.js';
import { createRedisClient } from '../../shared/adapters/redis/client.js';
import { KRAKEN_KEY_PLACEHOLDER } from '../../shared/adapters/secrets/kraken-key-secret.js';
import type { KillScope, KillSwitchTriggeredEvent } from '../../shared/domain/controls/kill-switch.js';
import { REDIS_KEYS, TABLES } from '../../shared/names.js';
import { FakeKrakenRest } from '../../test/fakes/kraken-rest/server.js';
import { databaseUrl, local } from '../../test/local-env.js';
import { killExecutorPorts } from './app.js';
import { executeKill, FLATTEN_POSITIONS_REQUESTED } from './execute-kill.js';

/**
 * The executor on its real adapters: accounts and the action log in PostgreSQL, positions in
 * Redis, Kraken keys in Secrets Manager on the local AWS emulator, and the fake Kraken REST
 * server (which checks signatures and nonces). A stage of its own keeps its secrets apart
 * from other tests'; accounts of its own keep its rows apart in the shared test database.
 */
const suffix = randomUUID().slice(0, 8);
const stage = `it-${suffix}`;
const enabled = `ke-${suffix}-on`;
const disabled = `ke-${suffix}-off`;
const keyless = `ke-${suffix}-nokey`;
/** Its key put in Secrets Manager by hand, in the shape the operator docs gave: `{"apiKey","apiSecret"}`. */
const operatorStored = `ke-${suffix}-op`;
/** Its secret created before the key was issued: it holds the placeholder. */
const placeholder = `ke-${suffix}-ph`;
const secrets = createSecretsManagerClient();
const keys = new KrakenKeyStore(secrets, stage);
const kraken = new FakeKrakenRest();
const published: { event: Record<string, unknown>; detailType: string }[] = [];
let pool: pg.Pool;
let redis: Redis;
let enabledKey: { apiKey: string; apiSecret: string };
let disabledKey: { apiKey: string; apiSecret: string };
let operatorKey: { apiKey: string; apiSecret: string };

const executor = (options: { deadMansSwitchSeconds?: number } = {}) =>
  killExecutorPorts({
    pool,
    redis,
    kraken: new KrakenRestClient(kraken.url),
    keys,
    events: {
      async publish(event, detailType) {
        published.push({ event: event as Record<string, unknown>, detailType });
      },
    },
    sleep: async () => {},
    ...options,
  });

function trigger(scope: KillScope, target: string): KillSwitchTriggeredEvent {
  return {
    type: 'KILL_SWITCH_TRIGGERED',
    event_id: randomUUID(),
    scope,
    target,
    reason: 'drill',
    actor: 'alice',
    engaged_at: new Date().toISOString(),
    actions: ['CANCEL_OPEN_ORDERS', 'FLATTEN_POSITIONS'],
  };
}

async function actionRows(eventId: string) {
  const { rows } = await pool.query(
    `SELECT account_id, action, outcome, attempts, detail FROM ${TABLES.killSwitchActions}
      WHERE event_id = $1 ORDER BY account_id, action`,
    [eventId],
  );
  return rows;
}

const cancelsOf = (apiKey: string) => kraken.calls.filter((c) => c.method === 'CancelAll' && c.apiKey === apiKey);

beforeAll(async () => {
  await kraken.start();
  pool = new pg.Pool({ connectionString: databaseUrl() });
  redis = createRedisClient({ host: local.redisHost, port: local.redisPort, db: local.testRedisDb, tls: false });
  await redis.connect();
  for (const [accountId, on] of [
    [enabled, true],
    [disabled, false],
    [keyless, true],
    // Disabled so the global-scope test leaves them alone; account scope acts on them anyway.
    [operatorStored, false],
    [placeholder, false],
  ] as const) {
    await pool.query(
      `INSERT INTO ${TABLES.accounts} (account_id, display_name, kind, enabled) VALUES ($1, $1, 'strategy', $2)`,
      [accountId, on],
    );
  }
  enabledKey = kraken.addKey(5);
  disabledKey = kraken.addKey(5);
  await keys.store(enabled, enabledKey);
  await keys.store(disabled, disabledKey);
  operatorKey = kraken.addKey(4);
  await secrets.send(
    new CreateSecretCommand({
      Name: keys.secretName(operatorStored),
      SecretString: JSON.stringify({ apiKey: operatorKey.apiKey, apiSecret: operatorKey.apiSecret }),
    }),
  );
  await secrets.send(
    new CreateSecretCommand({ Name: keys.secretName(placeholder), SecretString: KRAKEN_KEY_PLACEHOLDER }),
  );
});

afterAll(async () => {
  for (const accountId of [enabled, disabled, operatorStored, placeholder]) {
    await secrets
      .send(new DeleteSecretCommand({ SecretId: keys.secretName(accountId), ForceDeleteWithoutRecovery: true }))
      .catch(() => {});
  }
  await redis.del(REDIS_KEYS.positions(enabled), REDIS_KEYS.positions(keyless));
  redis.disconnect();
  await pool.end();
  await kraken.stop();
});

describe('Function: executeKill (PostgreSQL, Redis, Secrets Manager, fake Kraken REST)', () => {
  it('global scope: cancels enabled accounts signed with their stored key, skips disabled ones, records a missing key', async () => {
    // Prepare
    const event = trigger('global', '*');
    await redis.hset(REDIS_KEYS.positions(enabled), { 'BTC/USD': '0.5' });

    // Act
    const results = await executeKill(event, executor());

    // Assess
    const mine = results.filter((r) => [enabled, disabled, keyless].includes(r.accountId));
    // In account id order: `-nokey` sorts before `-on`.
    expect(mine.map((r) => [r.accountId, r.outcome])).toEqual([
      [keyless, 'failed'],
      [enabled, 'ok'],
    ]);
    expect(cancelsOf(enabledKey.apiKey).map((c) => c.signatureValid)).toEqual([true]);
    expect(kraken.openOrdersOf(enabledKey.apiKey)).toBe(0);
    expect(cancelsOf(disabledKey.apiKey)).toEqual([]);
    const rows = (await actionRows(event.event_id)).filter((r) => [enabled, disabled, keyless].includes(r.account_id));
    expect(rows).toEqual([
      {
        account_id: keyless,
        action: 'CancelAll',
        outcome: 'failed',
        attempts: 0,
        detail: { error: 'no Kraken key stored' },
      },
      { account_id: enabled, action: 'CancelAll', outcome: 'ok', attempts: 1, detail: { cancelled: 5 } },
    ]);
    const flatten = published.find((p) => (p.event as { event_id?: string }).event_id === event.event_id);
    expect(flatten?.detailType).toBe(FLATTEN_POSITIONS_REQUESTED);
    const positions = (flatten?.event.positions ?? {}) as Record<string, unknown>;
    expect(positions[enabled]).toEqual({ 'BTC/USD': '0.5' });
    expect(Object.keys(positions)).not.toContain(disabled);
  });

  it('cancels with a key an operator stored by hand in the documented shape, and treats a placeholder as no key', async () => {
    // Prepare
    const byHand = trigger('account', operatorStored);
    const unset = trigger('account', placeholder);

    // Act
    const results = [...(await executeKill(byHand, executor())), ...(await executeKill(unset, executor()))];

    // Assess
    expect(results).toEqual([
      { accountId: operatorStored, action: 'CancelAll', outcome: 'ok', attempts: 1, detail: { cancelled: 4 } },
      {
        accountId: placeholder,
        action: 'CancelAll',
        outcome: 'failed',
        attempts: 0,
        detail: { error: 'no Kraken key stored' },
      },
    ]);
    expect(cancelsOf(operatorKey.apiKey).map((c) => c.signatureValid)).toEqual([true]);
    expect(kraken.openOrdersOf(operatorKey.apiKey)).toBe(0);
  });

  it('cancels a sub-account created to trade with another account’s key with that key', async () => {
    // Prepare
    const sub = `ke-${suffix}-sub`;
    await pool.query(
      `INSERT INTO ${TABLES.accounts} (account_id, display_name, kind, enabled, kraken_key_account)
       VALUES ($1, $1, 'strategy', false, $2)`,
      [sub, operatorStored],
    );
    const before = cancelsOf(operatorKey.apiKey).length;

    // Act
    const results = await executeKill(trigger('account', sub), executor());

    // Assess
    expect(results.map((r) => [r.accountId, r.outcome])).toEqual([[sub, 'ok']]);
    expect(
      cancelsOf(operatorKey.apiKey)
        .slice(before)
        .map((c) => c.signatureValid),
    ).toEqual([true]);
  });

  it('retries a transient Kraken failure, arms the dead man’s switch, and a redelivered event does not cancel twice', async () => {
    // Prepare
    const event = trigger('account', enabled);
    kraken.failNext(1);

    // Act
    const first = await executeKill(event, executor({ deadMansSwitchSeconds: 60 }));
    const callsAfterFirst = kraken.calls.length;
    const redelivered = await executeKill(event, executor({ deadMansSwitchSeconds: 60 }));

    // Assess
    expect(first.map((r) => [r.action, r.outcome, r.attempts])).toEqual([
      ['CancelAll', 'ok', 2],
      ['CancelAllOrdersAfter', 'ok', 1],
    ]);
    expect(redelivered).toEqual([]);
    expect(kraken.calls.length).toBe(callsAfterFirst);
    expect((await actionRows(event.event_id)).map((r) => [r.action, r.outcome, r.attempts])).toEqual([
      ['CancelAll', 'ok', 2],
      ['CancelAllOrdersAfter', 'ok', 1],
    ]);
  });

  it('symbol scope: records a skip for each enabled holder of the symbol and calls no CancelAll', async () => {
    // Prepare
    const event = trigger('symbol', 'ETH/USD');
    await redis.hset(REDIS_KEYS.positions(enabled), { 'ETH/USD': '-2' });
    await redis.hset(REDIS_KEYS.positions(keyless), { 'ETH/USD': '0' });
    const callsBefore = kraken.calls.length;

    // Act
    const results = await executeKill(event, executor());

    // Assess
    expect(results.filter((r) => r.accountId.startsWith(`ke-${suffix}`))).toEqual([
      { accountId: enabled, action: 'CancelAll', outcome: 'skipped', attempts: 0, detail: { why: 'symbol scope' } },
    ]);
    expect(kraken.calls.length).toBe(callsBefore);
    expect((await actionRows(event.event_id)).filter((r) => r.account_id === enabled)).toEqual([
      { account_id: enabled, action: 'CancelAll', outcome: 'skipped', attempts: 0, detail: { why: 'symbol scope' } },
    ]);
  });
});
