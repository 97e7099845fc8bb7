import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient } from '../../shared/adapters/redis/client.js';
import { orderBody } from '../../shared/domain/risk/fixtures.js';
import { local, localStoreEnv } from '../../test/local-env.js';
import { proxyEvent, writeMark } from '../../test/risk-fixtures.js';
import { seedPostgres, seedRedis } from '../../test/support/seed.js';
import { establishStateEpoch } from '../../test/support/state-epoch.js';
import { createRiskApi, type RiskApi } from './app.js';
import { riskApiConfigSchema } from './config.js';
import { createRouter } from './router.js';

/**
 * 10,000 generated malformed and adversarial requests through the real router, Redis and
 * PostgreSQL: not one may produce a 5xx, and not one may be accepted.
 */
const VALID = orderBody({ order_id: 'adv' });
type Field = keyof typeof VALID;

const adversarialValue = fc
  .oneof(
    fc.constantFrom(
      null,
      true,
      0,
      -1,
      1e308,
      Number.NaN,
      '',
      ' ',
      '-0.1',
      '0',
      '1e9',
      'NaN',
      'Infinity',
      '0x1F',
      '１２３',
      '9'.repeat(30),
      `0.${'1'.repeat(30)}`,
      '1'.repeat(10_000),
      '__proto__',
      'constructor',
      '<script>',
      "'; DROP TABLE risk_decisions; --",
      'BTC/USD\u0000',
      '../../etc/passwd',
      'btc/usd',
      'BTC-PERP/USD',
      'ETH3L/USD',
      'sell; buy',
    ),
    fc.string({ maxLength: 40 }),
    fc.double(),
    fc.integer(),
    fc.array(fc.string(), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
    // Valid-looking but extreme amounts: the rules must reject them.
    fc.bigInt({ min: 1_000_000n, max: 10n ** 23n }).map(String),
  )
  .filter((value) => !isBenign(value));

/**
 * Values that would make a sound order again (a small amount, a real enum member or seeded
 * account): left out, so every generated request is malformed or adversarial by design.
 */
const BENIGN = new Set([
  'buy',
  'sell',
  'limit',
  'market',
  'open',
  'reduce',
  'hedge',
  'company',
  'director-a',
  'director-b',
]);
function isBenign(value: unknown): boolean {
  return (
    typeof value === 'string' && (BENIGN.has(value) || /^\d{1,6}(\.\d+)?$/.test(value) || /^[A-Z]+\/USD$/.test(value))
  );
}

/** Fields whose every adversarial value breaks the order (order_id and intent are free-form/optional). */
const TARGETS: Field[] = ['account_id', 'symbol', 'side', 'type', 'quantity', 'limit_price'];

/** A valid order with 1-3 fields replaced, removed, or extra fields added. */
const mutatedOrder = fc
  .record({
    replace: fc.dictionary(fc.constantFrom<Field>(...TARGETS), adversarialValue, { minKeys: 1, maxKeys: 3 }),
    remove: fc.subarray(TARGETS, { maxLength: 2 }),
    extra: fc.dictionary(fc.constantFrom('__proto__', 'leverage', 'constructor', 'price', 'x'), adversarialValue, {
      maxKeys: 2,
    }),
    orderId: fc.uuid(),
  })
  .map(({ replace, remove, extra, orderId }) => {
    const body: Record<string, unknown> = { ...VALID, order_id: orderId, ...replace };
    for (const field of remove) delete body[field];
    // A market order legitimately has no limit_price: keep the mutation meaningful.
    if (body.type === 'market' && !('limit_price' in replace)) body.limit_price = VALID.limit_price;
    for (const [key, value] of Object.entries(extra)) Object.defineProperty(body, key, { value, enumerable: true });
    return JSON.stringify(body);
  });

/**
 * Schema-valid orders that the rules must reject: unknown accounts, non-spot or unknown
 * symbols, absurd sizes, prices far off the mark, sub-increment prices.
 */
const wellFormedAdversarial = fc
  .record({
    account_id: fc.oneof(
      fc.constant('company'),
      fc.stringMatching(/^[a-z]{3,12}$/).map((s) => `ghost-${s}`),
    ),
    order_id: fc.uuid(),
    symbol: fc.constantFrom('BTC/USD', 'BTC/EUR', 'ETH3L/USD', 'BTCPERP/USD', 'DOGE/USD', 'USDT/USD'),
    side: fc.constantFrom('buy', 'sell'),
    type: fc.constant('limit'),
    intent: fc.constantFrom('open', 'reduce', 'hedge'),
    quantity: fc.constantFrom('1000000', '0.00000001', '99999999.99999999', '101', '0.000000000000000001'),
    limit_price: fc.constantFrom('0.000000000000000001', '65000.05', '999999999999', '1', '130000', '32500'),
  })
  .map((order) => JSON.stringify(order));

const request = fc.oneof(
  { weight: 4, arbitrary: wellFormedAdversarial },
  { weight: 6, arbitrary: mutatedOrder },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.constantFrom('{', '[]', 'null', '""', '{"account_id":', '\u0000', ' '.repeat(20_000)) },
);

let redis: Redis;
let api: RiskApi;

beforeAll(async () => {
  redis = createRedisClient({ host: local.redisHost, port: local.redisPort, db: local.testRedisDb, tls: false });
  await redis.connect();
  await redis.flushdb();
  await seedRedis(redis);
  await establishStateEpoch(redis);
  const config = riskApiConfigSchema.parse({
    ...localStoreEnv(),
  });
  api = await createRiskApi(config);
  await seedPostgres(api.adapters.pool);
});

afterAll(async () => {
  await api.close();
  redis.disconnect();
});

describe('Property: adversarial requests', () => {
  it('10,000 generated requests: 0 responses >= 500, 0 accepts', async () => {
    const route = createRouter(api.ports, 'local');
    const statuses = new Map<number, number>();
    let accepts = 0;
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        request,
        fc.constantFrom('POST', 'POST', 'POST', 'POST', 'POST', 'POST', 'POST', 'POST', 'GET', 'PUT'),
        async (body, method) => {
          runs++;
          if (runs % 500 === 1) await writeMark(redis, 'BTC/USD', '64999.5', '65000.5', Date.now(), { mid: '65000' });
          const result = await route(proxyEvent(method, '/v1/risk/validate', body));
          statuses.set(result.statusCode, (statuses.get(result.statusCode) ?? 0) + 1);
          expect(result.statusCode).toBeLessThan(500);
          const parsed = JSON.parse(result.body);
          if (result.statusCode === 200) {
            if (parsed.decision === 'accept') accepts++;
            expect(parsed.decision).toBe('reject');
          } else {
            expect(typeof parsed.code).toBe('string');
          }
        },
      ),
      { numRuns: 10_000, seed: 20261122 },
    );
    console.log(
      `adversarial: ${runs} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}, accepts ${accepts}`,
    );
    expect(runs).toBe(10_000);
    expect(accepts).toBe(0);
  }, 300_000);
});
