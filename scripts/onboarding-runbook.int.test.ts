import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsEnvironment, localStoreEnv } from '../test/local-env.js';
import { type LocalMode, startLocalMode } from './local/local-mode.js';

/**
 * Executes every `bash` block of docs/runbooks/onboarding-an-account.md, in order, against
 * local mode on the real local stores and the local AWS emulator: an account created, its
 * limits approved by a second person and its key stored through the admin API is decided on
 * (accept), and rejected once disabled, with no seed for it. A line starting with `! ` must
 * fail. The runbook's `desk-7` becomes a fresh id each run: account ids are never reused.
 */
const run = promisify(execFile);
const RUNBOOK = path.resolve(import.meta.dirname, '../docs/runbooks/onboarding-an-account.md');
const accountId = `desk-${randomUUID().slice(0, 8)}`;
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
  mode = await startLocalMode({ port: 0, host: '127.0.0.1', env });
}, 60_000);

afterAll(async () => {
  await mode?.stop();
});

describe('Runbook: docs/runbooks/onboarding-an-account.md', () => {
  it('every command in it works against local mode, in order', async () => {
    const commands = runbookCommands();
    expect(commands.length).toBeGreaterThanOrEqual(12);
    for (const line of commands) {
      const mustFail = line.startsWith('! ');
      const command = (mustFail ? line.slice(2) : line)
        .replaceAll('http://127.0.0.1:8080', mode.url)
        .replaceAll('desk-7', accountId);
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
  }, 240_000);
});
