import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { type LocalMode, startLocalMode } from '../../scripts/local/local-mode.js';
import { awsEnvironment, localStoreEnv } from '../local-env.js';

const run = promisify(execFile);

/** The URL the runbooks write; a runbook test points it at the local mode it started. */
export const RUNBOOK_BASE_URL = 'http://127.0.0.1:8080';

/** Every non-blank line of every `bash` block of a markdown runbook, in order. */
export function runbookCommands(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const blocks = [...text.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  return blocks.flatMap((block) => block.split('\n').filter((line) => line.trim().length > 0));
}

/** Local mode on the real local stores and the local AWS emulator, on a free port. */
export function startRunbookLocalMode(): Promise<LocalMode> {
  const env = {
    ...process.env,
    ...awsEnvironment(),
    ...localStoreEnv(),
    POWERTOOLS_METRICS_DISABLED: 'true',
  };
  return startLocalMode({ port: 0, host: '127.0.0.1', env });
}

export interface RunbookLineResult {
  /** A line starting with `! ` must exit non-zero, as the runbook says. */
  readonly mustFail: boolean;
  readonly failed: boolean;
  /** stdout, for the assertion message. */
  readonly output: string;
}

/**
 * Runs one runbook line with bash against local mode: the runbook's URL becomes `url`,
 * then `rewrite` (if any) adapts the rest (fresh ids, say).
 */
export async function runRunbookLine(
  line: string,
  url: string,
  rewrite: (command: string) => string = (command) => command,
): Promise<RunbookLineResult> {
  const mustFail = line.startsWith('! ');
  const command = rewrite((mustFail ? line.slice(2) : line).replaceAll(RUNBOOK_BASE_URL, url));
  // Asynchronous on purpose: the local server runs in the test's process and must keep serving.
  try {
    const { stdout } = await run('bash', ['-c', command], {
      encoding: 'utf8',
      env: { ...process.env, RISK_GATE_URL: url },
      timeout: 60_000,
    });
    return { mustFail, failed: false, output: stdout };
  } catch (error) {
    const status = (error as { code: number }).code ?? 1;
    return { mustFail, failed: status !== 0, output: String((error as { stdout?: string }).stdout ?? '') };
  }
}
