import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretsManagerClient } from '../shared/adapters/aws-clients.js';
import { deleteLocalKrakenKey } from '../test/support/local-secrets.js';
import { runbookCommands, runRunbookLine, startRunbookLocalMode } from '../test/support/runbook.js';
import type { LocalMode } from './local/local-mode.js';

/**
 * Executes every `bash` block of docs/runbooks/onboarding-an-account.md, in order, against
 * local mode on the real local stores and the local AWS emulator: an account created, its
 * limits approved by a second person and its key stored through the admin API is decided on
 * (accept), and rejected once disabled, with no seed for it. A line starting with `! ` must
 * fail. The runbook's `desk-7` becomes a fresh id each run: account ids are never reused.
 */
const RUNBOOK = path.resolve(import.meta.dirname, '../docs/runbooks/onboarding-an-account.md');
const accountId = `desk-${randomUUID().slice(0, 8)}`;
let mode: LocalMode;

beforeAll(async () => {
  mode = await startRunbookLocalMode();
}, 60_000);

afterAll(async () => {
  await mode?.stop();
  // The key the runbook stored (step 3).
  const secrets = createSecretsManagerClient();
  await deleteLocalKrakenKey(secrets, accountId);
  secrets.destroy();
});

describe('Runbook: docs/runbooks/onboarding-an-account.md', () => {
  it('every command in it works against local mode, in order', async () => {
    const commands = runbookCommands(RUNBOOK);
    expect(commands.length).toBeGreaterThanOrEqual(12);
    for (const line of commands) {
      const { mustFail, failed, output } = await runRunbookLine(line, mode.url, (command) =>
        command.replaceAll('desk-7', accountId),
      );
      expect({ line, failed }, output).toEqual({ line, failed: mustFail });
    }
  }, 240_000);
});
