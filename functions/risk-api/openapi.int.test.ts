import { mkdirSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient } from '../../shared/adapters/redis/client.js';
import { createLocalServer } from '../../shared/runtime/local-http.js';
import { runSchemathesis } from '../../test/contract/schemathesis.js';
import { databaseUrl, local, localStoreEnv } from '../../test/local-env.js';
import { writeMark } from '../../test/risk-fixtures.js';
import { seedPostgres, seedRedis } from '../../test/support/seed.js';
import { establishStateEpoch } from '../../test/support/state-epoch.js';
import { createRiskApi } from './app.js';
import { riskApiConfigSchema } from './config.js';
import { createRouter } from './router.js';

/**
 * The contract test: schemathesis (property-based, Python, installed by
 * scripts/schemathesis.sh) reads the committed docs/openapi.json and drives the risk API's
 * local HTTP server, backed by the real local Redis and PostgreSQL, with generated requests:
 * schema-valid ones must get a 2xx (a decision, accept or reject, is a 200) and
 * schema-violating ones a 400/413/415 (or the gateway's 403 when unsigned); no request may
 * get a 5xx, and every answer must match its documented status and schema. So a client
 * generated from the document never sends what the server refuses, and the document
 * never admits what the server would refuse.
 *
 * Bounded: a fixed seed (override with SCHEMATHESIS_SEED to explore) and a number of
 * examples per operation (SCHEMATHESIS_MAX_EXAMPLES, default 40) keep it near a minute.
 */
const MAX_EXAMPLES = Number(process.env.SCHEMATHESIS_MAX_EXAMPLES ?? 40);
const SEED = process.env.SCHEMATHESIS_SEED ?? '20261202';
const RUN_TIMEOUT_MS = 150_000;

const env = {
  ...localStoreEnv(),
  POWERTOOLS_DEV: 'true',
  POWERTOOLS_TRACE_ENABLED: 'false',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
};

/**
 * API Gateway's IAM auth, which runs before the function in AWS: an unsigned request is
 * answered 403 and never reaches the router. Only its presence is checked here (the
 * signature itself is API Gateway's business), so the document's sigv4 scheme is honoured
 * by the server the test drives.
 */
const SIGNED =
  'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261202/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=0';
function behindIamAuth(route: ReturnType<typeof createRouter>) {
  return async (event: APIGatewayProxyEvent) => {
    const authorization = Object.entries(event.headers ?? {}).find(([key]) => key.toLowerCase() === 'authorization');
    if (!authorization?.[1]?.startsWith('AWS4-HMAC-SHA256 ')) {
      return { statusCode: 403, body: JSON.stringify({ message: 'Missing Authentication Token' }) };
    }
    return route(event);
  };
}

let redis: Redis;
let server: http.Server;
let api: Awaited<ReturnType<typeof createRiskApi>>;
let base: string;
let markTimer: NodeJS.Timeout;

beforeAll(async () => {
  redis = createRedisClient({ host: local.redisHost, port: local.redisPort, db: local.testRedisDb, tls: false });
  await redis.connect();
  await redis.flushdb();
  await seedRedis(redis);
  await establishStateEpoch(redis);
  const pool = new pg.Pool({ connectionString: databaseUrl() });
  await seedPostgres(pool);
  await pool.end();
  // Live marks so that generated orders for the seed accounts reach the limit rules too,
  // not only MARK_UNAVAILABLE.
  const refresh = () =>
    Promise.all([
      writeMark(redis, 'BTC/USD', '64999.5', '65000.5', Date.now(), { mid: '65000' }),
      writeMark(redis, 'ETH/USD', '3199.9', '3200.1', Date.now(), { mid: '3200' }),
    ]);
  await refresh();
  markTimer = setInterval(() => void refresh().catch(() => undefined), 250);

  api = await createRiskApi(riskApiConfigSchema.parse(env));
  server = createLocalServer(behindIamAuth(createRouter(api.ports, 'local')));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  clearInterval(markTimer);
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await api?.close();
  redis?.disconnect();
});

describe('Contract: docs/openapi.json against the running risk API', () => {
  it(
    'refuses no schema-valid request and accepts no schema-violating one (schemathesis, positive and negative data)',
    async () => {
      // Prepare
      const document = path.join(local.root, 'docs', 'openapi.json');

      // Act
      const run = await runSchemathesis(
        [
          document,
          '--url',
          base,
          '--mode',
          'all',
          '--checks',
          [
            'not_a_server_error',
            'positive_data_acceptance',
            'negative_data_rejection',
            'status_code_conformance',
            'content_type_conformance',
            'response_schema_conformance',
          ].join(','),
          '--header',
          `Authorization: ${SIGNED}`,
          '--max-examples',
          String(MAX_EXAMPLES),
          '--seed',
          SEED,
          '--workers',
          '1',
          '--request-timeout',
          '10',
        ],
        RUN_TIMEOUT_MS,
      );

      // Kept for reading after a green run too (which cases ran, which phases).
      mkdirSync(path.join(local.root, '.local'), { recursive: true });
      writeFileSync(path.join(local.root, '.local', 'openapi-contract.txt'), run.output);

      // Assess: a clean exit, and a run that really exercised every operation.
      expect(run.exitCode, run.output).toBe(0);
      const tested = /Tested:\s+(\d+)/.exec(run.output)?.[1];
      const selected = /Selected:\s+(\d+)\/(\d+)/.exec(run.output);
      expect(Number(tested), run.output).toBeGreaterThan(0);
      expect(Number(tested), run.output).toBe(Number(selected?.[2]));
      const generated = Number(/(\d+) generated/.exec(run.output)?.[1] ?? 0);
      expect(generated, run.output).toBeGreaterThanOrEqual(MAX_EXAMPLES);
    },
    RUN_TIMEOUT_MS + 10_000,
  );

  it('refuses an account id that is not valid percent-encoding with a 400, never a 500', async () => {
    // Prepare: a path the generator never sends (it encodes what it generates)
    const url = `${base}/v1/risk/accounts/%E0%A4%A/exposure`;

    // Act
    const response = await fetch(url, { headers: { authorization: SIGNED } });

    // Assess
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'INVALID_REQUEST', issues: [{ field: 'id' }] });
  });
});
