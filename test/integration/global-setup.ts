import net from 'node:net';
import pg from 'pg';
import { migrate } from '../../shared/adapters/postgres/migrate.js';
import { assertSchemathesisInstalled } from '../contract/schemathesis.js';
import { databaseUrl, local } from '../local-env.js';
import { setLocalUnitPasswords } from '../support/database-roles.js';

/**
 * Runs once before the integration project. Every stand-in must answer: a missing one is a
 * failure naming the service and the command that starts it, never a silent skip. Then the
 * test database is rebuilt from the migrations so every run starts from the same schema.
 */
function tcpReachable(host: string, port: number, timeoutMs = 2_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function hostPort(url: string): [string, number] {
  const parsed = new URL(url);
  return [parsed.hostname, Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80))];
}

export default async function setup(): Promise<void> {
  const services: [string, string, number][] = [
    ['PostgreSQL', local.pgHost, local.pgPort],
    ['Redis', local.redisHost, local.redisPort],
    ['kinesis-local', ...hostPort(local.kinesisEndpoint)],
    ['AWS emulator (Secrets Manager, SNS, SQS, EventBridge, CloudWatch)', ...hostPort(local.awsEndpoint)],
    ['Timestream emulator (moto)', ...hostPort(local.timestreamEndpoint)],
  ];
  const missing: string[] = [];
  for (const [name, host, port] of services) {
    if (!(await tcpReachable(host, port))) missing.push(`${name} at ${host}:${port}`);
  }
  if (missing.length > 0) {
    throw new Error(
      `integration tests need local services that are not running:\n  - ${missing.join('\n  - ')}\n` +
        'start them with: bash scripts/services.sh up   (npm test does this for you)',
    );
  }
  // The OpenAPI contract test's Python side: missing is a failure, never a skip.
  assertSchemathesisInstalled();

  const admin = new pg.Client({ connectionString: databaseUrl() });
  await admin.connect();
  try {
    await admin.query('DROP SCHEMA IF EXISTS public CASCADE');
    await admin.query('CREATE SCHEMA public');
    await migrate(admin);
    await setLocalUnitPasswords(admin);
  } finally {
    await admin.end();
  }
}
