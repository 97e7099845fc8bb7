import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient } from '../shared/adapters/redis/client.js';
import { REDIS_KEYS } from '../shared/names.js';
import { awsEnvironment, local, localStoreEnv } from '../test/local-env.js';
import { type LocalMode, startLocalMode } from './local/local-mode.js';

/**
 * Executes every `bash` block of docs/runbooks/kill-switch.md, in order, against local
 * mode on the real local stores and LocalStack: a runbook command that does not work fails
 * this test. A line starting with `! ` must fail (exit non-zero), as the runbook says.
 */
const run = promisify(execFile);
const RUNBOOK = path.resolve(import.meta.dirname, '../docs/runbooks/kill-switch.md');
let mode: LocalMode;

function runbookCommands(): string[] {
  const text = readFileSync(RUNBOOK, 'utf8');
  const blocks = [...text.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  return blocks.flatMap((block) => block.split('\n').filter((line) => line.trim().length > 0));
}

beforeAll(async () => {
  const env = {
    ...process.env,
    ...awsEnvironment(),
    ...localStoreEnv(),
    POWERTOOLS_METRICS_DISABLED: 'true',
  };
  const redis = createRedisClient({ host: local.redisHost, port: local.redisPort, db: local.testRedisDb, tls: false });
  await redis.connect();
  await redis.del(REDIS_KEYS.killSwitchAccount('director-a'), REDIS_KEYS.killSwitchRelease('account', 'director-a'));
  redis.disconnect();
  mode = await startLocalMode({ port: 0, host: '127.0.0.1', env });
}, 60_000);

afterAll(async () => {
  await mode?.stop();
});

describe('Runbook: docs/runbooks/kill-switch.md', () => {
  it('every command in it works against local mode, in order', async () => {
    const commands = runbookCommands();
    expect(commands.length).toBeGreaterThanOrEqual(7);
    // Let the mark generator publish a first tick so the verify step sees fresh data.
    await new Promise((resolve) => setTimeout(resolve, 400));
    for (const line of commands) {
      const mustFail = line.startsWith('! ');
      const command = (mustFail ? line.slice(2) : line).replaceAll('http://127.0.0.1:8080', mode.url);
      let status = 0;
      let output = '';
      // Asynchronous on purpose: the local server runs in this process and must keep serving.
      try {
        ({ stdout: output } = await run('bash', ['-c', command], {
          encoding: 'utf8',
          env: { ...process.env, RISK_GATE_URL: mode.url },
          timeout: 60_000,
        }));
      } catch (error) {
        status = (error as { code: number }).code ?? 1;
        output = String((error as { stdout?: string }).stdout ?? '');
      }
      expect({ line, failed: status !== 0 }, output).toEqual({ line, failed: mustFail });
    }
  }, 180_000);
});
