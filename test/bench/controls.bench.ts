import { randomUUID } from 'node:crypto';
import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { createRedisClient } from '../../shared/adapters/redis/client.js';
import { orderBody } from '../../shared/domain/risk/fixtures.js';
import { REDIS_KEYS } from '../../shared/names.js';
import { percentile, round3 } from '../bench-utils.js';
import { awsEnvironment, local, localStoreEnv } from '../local-env.js';
import { proxyEvent, writeMark } from '../risk-fixtures.js';

/**
 * controls.kill_to_reject_*: a strategy keeps asking the risk API while a risk manager
 * engages the account kill switch through the admin API; the figure is the time from the
 * engage request to the strategy's first KILL_SWITCH_ACTIVE rejection. Everything local and
 * real: Redis, PostgreSQL, EventBridge and SNS on LocalStack. Each round is released by two
 * approvers before the next.
 */
export const group = 'controls';

export default async function run(): Promise<Record<string, number>> {
  Object.assign(process.env, awsEnvironment(), { POWERTOOLS_METRICS_DISABLED: 'true' });
  const { createRiskApi } = await import('../../functions/risk-api/app.js');
  const { riskApiConfigSchema } = await import('../../functions/risk-api/config.js');
  const { createRouter } = await import('../../functions/risk-api/router.js');
  const { seedPostgres, seedRedis } = await import('../support/seed.js');
  const { establishStateEpoch } = await import('../support/state-epoch.js');
  const { createAdminApi } = await import('../../functions/admin-api/app.js');
  const { adminApiConfigSchema } = await import('../../functions/admin-api/config.js');
  const { createAdminRouter } = await import('../../functions/admin-api/router.js');

  const suffix = randomUUID().slice(0, 8);
  const busName = `risk-gate-bench-${suffix}`;
  await new EventBridgeClient({}).send(new CreateEventBusCommand({ Name: busName }));
  const topicArn = (await new SNSClient({}).send(new CreateTopicCommand({ Name: `bench-${suffix}` })))
    .TopicArn as string;
  const env = {
    ...localStoreEnv(),
  };
  const risk = await createRiskApi(riskApiConfigSchema.parse(env));
  const admin = await createAdminApi(
    adminApiConfigSchema.parse({ ...env, KILL_EVENT_BUS_NAME: busName, KILL_NOTIFY_TOPIC_ARN: topicArn }),
  );
  const redis = createRedisClient({ host: local.redisHost, port: local.redisPort, db: local.testRedisDb, tls: false });
  await redis.connect();
  try {
    await redis.flushdb();
    await seedPostgres(risk.adapters.pool);
    await seedRedis(redis);
    await establishStateEpoch(redis, risk.adapters.pool);
    const riskRoute = createRouter(risk.ports, 'local');
    const adminRoute = createAdminRouter(admin.services);
    const validate = async () => {
      const result = await riskRoute(
        proxyEvent('POST', '/v1/risk/validate', orderBody({ account_id: 'company', quantity: '0.01' })),
      );
      return JSON.parse(result.body) as { reasons: { code: string }[] };
    };

    const rounds = 100;
    const samples: number[] = [];
    for (let round = 0; round < rounds; round++) {
      await writeMark(redis, 'BTC/USD', '64999.5', '65000.5', Date.now() + 10_000, { mid: '65000' });
      await redis.del('rate:{company}');
      let firstRejectAt = 0;
      let polling = true;
      const poller = (async () => {
        while (polling) {
          if ((await validate()).reasons.some((r) => r.code === 'KILL_SWITCH_ACTIVE')) {
            firstRejectAt = performance.now();
            return;
          }
        }
      })();
      await new Promise((resolve) => setTimeout(resolve, 2));
      const started = performance.now();
      await adminRoute(
        proxyEvent('POST', '/v1/admin/kill-switch', {
          scope: 'account',
          target: 'company',
          reason: 'drill',
          actor: 'alice',
        }),
      );
      await poller;
      polling = false;
      samples.push(firstRejectAt - started);
      for (const actor of ['alice', 'bob']) {
        await adminRoute(
          proxyEvent('POST', '/v1/admin/kill-switch/release', {
            scope: 'account',
            target: 'company',
            actor,
            reason: 'bench round',
          }),
        );
      }
    }
    // The rounds' decisions are not worth keeping: drop them rather than fill the audit table.
    await redis.del(REDIS_KEYS.auditSpool);
    return {
      kill_to_reject_p50_ms: round3(percentile(samples, 50)),
      kill_to_reject_p99_ms: round3(percentile(samples, 99)),
      kill_to_reject_max_ms: round3(Math.max(...samples)),
      kill_rounds: rounds,
    };
  } finally {
    redis.disconnect();
    await risk.close();
    await admin.close();
  }
}
