import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient } from '../shared/adapters/redis/client.js';
import { REDIS_KEYS } from '../shared/names.js';
import { local } from '../test/local-env.js';
import { runbookCommands, runRunbookLine, startRunbookLocalMode } from '../test/support/runbook.js';
import type { LocalMode } from './local/local-mode.js';

/**
 * Executes every `bash` block of docs/runbooks/kill-switch.md, in order, against local
 * mode on the real local stores and LocalStack: a runbook command that does not work fails
 * this test. A line starting with `! ` must fail (exit non-zero), as the runbook says.
 */
const RUNBOOK = path.resolve(import.meta.dirname, '../docs/runbooks/kill-switch.md');
let mode: LocalMode;

beforeAll(async () => {
  const redis = createRedisClient({ host: local.redisHost, port: local.redisPort, db: local.testRedisDb, tls: false });
  await redis.connect();
  await redis.del(REDIS_KEYS.killSwitchAccount('director-a'), REDIS_KEYS.killSwitchRelease('account', 'director-a'));
  redis.disconnect();
  mode = await startRunbookLocalMode();
}, 60_000);

afterAll(async () => {
  await mode?.stop();
});

describe('Runbook: docs/runbooks/kill-switch.md', () => {
  it('every command in it works against local mode, in order', async () => {
    const commands = runbookCommands(RUNBOOK);
    expect(commands.length).toBeGreaterThanOrEqual(7);
    // Let the mark generator publish a first tick so the verify step sees fresh data.
    await new Promise((resolve) => setTimeout(resolve, 400));
    for (const line of commands) {
      const { mustFail, failed, output } = await runRunbookLine(line, mode.url);
      expect({ line, failed }, output).toEqual({ line, failed: mustFail });
    }
  }, 180_000);
});
